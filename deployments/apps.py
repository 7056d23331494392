from django.apps import AppConfig


def _link_on_commit_data_changed(sender, *, organization, shas, **kwargs):
    from deployments.services import commits_link

    commits_link(organization=organization, shas=shas)


class DeploymentsConfig(AppConfig):
    name = "deployments"

    def ready(self):
        from deployments import schema  # noqa: F401 - registers the bearer auth scheme
        from repositories.signals import commit_data_changed

        # repositories may not import deployments, so linking listens to its signal.
        commit_data_changed.connect(
            _link_on_commit_data_changed, dispatch_uid="deployments.commits_link"
        )
