from django.apps import AppConfig


def _link_on_commit_data_changed(sender, *, organization, shas, **kwargs):
    from deployments.services import commits_link

    commits_link(organization=organization, shas=shas)


def _contributor_follow_commit(sender, *, instance, **kwargs):
    # Commits are immutable by SHA except in the admin; keep the linked copies in step.
    from deployments.models import DeploymentCommit

    DeploymentCommit.objects.filter(commit=instance).exclude(
        contributor_id=instance.contributor_id
    ).update(contributor_id=instance.contributor_id)


class DeploymentsConfig(AppConfig):
    name = "deployments"

    def ready(self):
        from django.db.models.signals import post_save

        from deployments import schema  # noqa: F401 - registers the bearer auth scheme
        from repositories.models import Commit
        from repositories.signals import commit_data_changed

        # repositories may not import deployments, so linking listens to its signal.
        commit_data_changed.connect(
            _link_on_commit_data_changed, dispatch_uid="deployments.commits_link"
        )
        post_save.connect(
            _contributor_follow_commit, sender=Commit, dispatch_uid="deployments.contributor"
        )
