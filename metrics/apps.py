from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"

    def ready(self):
        from config import lookups
        from metrics import schema  # noqa: F401 - registers the token scheme for the API

        lookups.register()
