from django.urls import path

from incidents import pagerduty_views, settings_views, views
from incidents.api import IncidentsApi

urlpatterns = [
    path("api/v1/incidents", IncidentsApi.as_view(), name="api-incidents"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/attribute/", views.incident_attribute, name="incident_attribute"),
    path("incidents/<int:pk>/detach/", views.incident_detach_view, name="incident_detach"),
    path("incidents/<int:pk>/rule/", views.incident_rule_view, name="incident_rule"),
    path("settings/incident-window/", settings_views.incident_window_save, name="incident_window"),
    path(
        "settings/pagerduty-services/",
        settings_views.pagerduty_service_add,
        name="pagerduty_service_add",
    ),
    path(
        "settings/pagerduty-services/<int:pk>/remove/",
        settings_views.pagerduty_service_remove,
        name="pagerduty_service_remove",
    ),
    path(
        "webhooks/pagerduty/<str:path_token>/",
        pagerduty_views.pagerduty_webhook,
        name="pagerduty_webhook",
    ),
    path(
        "integrations/pagerduty/connect/",
        pagerduty_views.pagerduty_connect,
        name="pagerduty_connect",
    ),
    path(
        "integrations/pagerduty/secret/",
        pagerduty_views.pagerduty_secret_save,
        name="pagerduty_secret",
    ),
    path(
        "integrations/pagerduty/disconnect/",
        pagerduty_views.pagerduty_disconnect,
        name="pagerduty_disconnect",
    ),
]
