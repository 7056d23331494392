from django.urls import path

from metrics import api, pull_requests_api, views

urlpatterns = [
    path("metrics/deployments.csv", views.deployments_csv, name="metrics_deployments_csv"),
    path("metrics/pull-requests.csv", views.pull_requests_csv, name="metrics_pull_requests_csv"),
    path("api/v1/metrics", api.MetricsApi.as_view(), name="api_metrics"),
    path(
        "api/v1/pull-requests",
        pull_requests_api.PullRequestsApi.as_view(),
        name="api_pull_requests",
    ),
]
