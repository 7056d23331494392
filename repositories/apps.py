from django.apps import AppConfig


class RepositoriesConfig(AppConfig):
    name = "repositories"

    def ready(self):
        # GitLab's receiver registers its event handlers (Merge Request, Note, Push Hook)
        # beside GitHub's when it is imported: at start-up, not when a URL is first resolved.
        from repositories import gitlab_webhooks  # noqa: F401
