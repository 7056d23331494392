from django.apps import AppConfig


def _link_on_commit_data_changed(sender, *, organization, shas, **kwargs):
    from deployments.linking import commits_link

    commits_link(organization_id=organization.pk, shas=shas)


def _contributor_follow_commit(sender, *, instance, created, raw, **kwargs):
    # Commits are immutable by SHA except in the admin: relink the deployments carrying
    # an edited one, so their copies of its contributor follow.
    from deployments.linking import deployments_relink
    from deployments.models import DeploymentCommit

    if created or raw:
        return
    moved = DeploymentCommit.objects.filter(commit=instance).exclude(
        contributor_id=instance.contributor_id
    )
    deployment_ids = set(moved.values_list("deployment_id", flat=True))
    if deployment_ids:
        deployments_relink(organization_id=instance.organization_id, deployment_ids=deployment_ids)


def _refresh_on_counting_changed(sender, *, organization, **kwargs):
    from deployments.deploy_moments import organization_deploy_moments_refresh

    organization_deploy_moments_refresh(organization_id=organization.pk)


def _attribute_contributors(sender, *, contributor_ids, **kwargs):
    from deployments.attribution import contributors_attribute

    contributors_attribute(contributor_ids=contributor_ids)


def _attribute_saved_contributor(sender, *, instance, created, **kwargs):
    if not created:  # a new contributor has no commits yet
        _attribute_contributors(sender, contributor_ids=[instance.pk])


def _attribute_team_members(sender, *, instance, action, reverse, pk_set, **kwargs):
    """Contributor.teams changed, from either side (contributor.teams or team.contributors)."""
    from organizations.models import Contributor

    if action == "pre_clear" and reverse:  # a team is emptied: remember who was in it
        instance._cleared_member_ids = list(instance.contributors.values_list("pk", flat=True))
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        contributor_ids = [instance.pk]
    elif action == "post_clear":
        contributor_ids = getattr(instance, "_cleared_member_ids", [])
    else:
        contributor_ids = list(pk_set or ())
    _attribute_contributors(Contributor, contributor_ids=contributor_ids)


def _remember_deleted_contributor_deployments(sender, *, instance, **kwargs):
    from deployments.attribution import contributors_deployments

    instance._deployment_ids = contributors_deployments(contributor_ids=[instance.pk])


def _attribute_after_contributor_deleted(sender, *, instance, **kwargs):
    from deployments.attribution import deployments_attribute

    deployments_attribute(deployment_ids=getattr(instance, "_deployment_ids", ()))


def _install_database_functions(sender, *, using, **kwargs):
    from deployments.database_functions import database_functions_install

    database_functions_install(using=using)


class DeploymentsConfig(AppConfig):
    name = "deployments"

    def ready(self):
        from django.db.models.signals import (
            m2m_changed,
            post_delete,
            post_migrate,
            post_save,
            pre_delete,
        )

        from deployments import schema  # noqa: F401 - registers the bearer auth scheme
        from deployments.github_deployments import webhook_handler_register
        from deployments.gitlab_deployments import gitlab_webhook_handler_register
        from organizations.models import Contributor
        from organizations.signals import contributors_changed, counted_environments_changed
        from repositories.models import Commit
        from repositories.signals import commit_data_changed

        # Counting, linking, attribution and deploy moments are SQL functions (deployments/sql/).
        post_migrate.connect(
            _install_database_functions, sender=self, dispatch_uid="deployments.functions"
        )
        # repositories may not import deployments, so linking listens to its signal.
        commit_data_changed.connect(
            _link_on_commit_data_changed, dispatch_uid="deployments.commits_link"
        )
        post_save.connect(
            _contributor_follow_commit, sender=Commit, dispatch_uid="deployments.contributor"
        )
        # Attribution (deployments.attribution) follows every change to contributors.
        contributors_changed.connect(
            _attribute_contributors, dispatch_uid="deployments.attribute_changed"
        )
        post_save.connect(
            _attribute_saved_contributor, sender=Contributor, dispatch_uid="deployments.attr_save"
        )
        m2m_changed.connect(
            _attribute_team_members,
            sender=Contributor.teams.through,
            dispatch_uid="deployments.attr_teams",
        )
        pre_delete.connect(
            _remember_deleted_contributor_deployments,
            sender=Contributor,
            dispatch_uid="deployments.attr_pre_delete",
        )
        post_delete.connect(
            _attribute_after_contributor_deleted,
            sender=Contributor,
            dispatch_uid="deployments.attr_post_delete",
        )
        counted_environments_changed.connect(
            _refresh_on_counting_changed, dispatch_uid="deployments.counted_changed"
        )
        # The webhook is in repositories, which may not import deployments: this registers
        # the events deployments records (a handler, not a signal: it answers the delivery).
        webhook_handler_register()
        gitlab_webhook_handler_register()
