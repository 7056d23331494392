from django.apps import AppConfig


def _install_database_functions(sender, *, using, **kwargs):
    from deployments.database_functions import database_functions_install
    from incidents.attribution import SQL_DIR

    database_functions_install(using=using, sql_dir=SQL_DIR)


def _attribute_on_counting_changed(sender, *, organization, **kwargs):
    from incidents.attribution import organization_incidents_attribute

    organization_incidents_attribute(organization_id=organization.pk)


def _attribute_on_deployments_deleted(sender, *, organization_ids, **kwargs):
    from incidents.attribution import incidents_follow_deployments

    for organization_id in organization_ids:
        incidents_follow_deployments(organization_id=organization_id, deployment_ids=[])


class IncidentsConfig(AppConfig):
    name = "incidents"

    def ready(self):
        from django.db.models.signals import post_migrate

        from deployments.signals import deployments_deleted
        from organizations.signals import counted_environments_changed

        # The attribution rule is a SQL function (incidents/sql/), installed like deployments'.
        post_migrate.connect(
            _install_database_functions, sender=self, dispatch_uid="incidents.functions"
        )
        # What counts decides which deployment an incident can be attributed to.
        counted_environments_changed.connect(
            _attribute_on_counting_changed, dispatch_uid="incidents.counted_changed"
        )
        # Deleting a deployment nulls its incidents' attribution: the rule picks again.
        deployments_deleted.connect(
            _attribute_on_deployments_deleted, dispatch_uid="incidents.deployments_deleted"
        )
        # Issues that are incidents reach the GitHub and GitLab webhooks.
        from incidents.issues import webhook_handlers_register

        webhook_handlers_register()
