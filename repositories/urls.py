from django.urls import path

from repositories import gitlab_views, history_views, views

urlpatterns = [
    path("webhooks/github/<str:path_token>/", views.github_webhook, name="github_webhook"),
    path("integrations/github/connect/", views.github_connect, name="github_connect"),
    path("integrations/github/regenerate/", views.github_regenerate, name="github_regenerate"),
    path("integrations/github/disconnect/", views.github_disconnect, name="github_disconnect"),
    path("integrations/github/token/", history_views.github_token_save, name="github_token"),
    path("webhooks/gitlab/<str:path_token>/", gitlab_views.gitlab_webhook, name="gitlab_webhook"),
    path("integrations/gitlab/connect/", gitlab_views.gitlab_connect, name="gitlab_connect"),
    path(
        "integrations/gitlab/regenerate/", gitlab_views.gitlab_regenerate, name="gitlab_regenerate"
    ),
    path(
        "integrations/gitlab/deployments/",
        gitlab_views.gitlab_deployments,
        name="gitlab_deployments",
    ),
    path(
        "integrations/gitlab/disconnect/", gitlab_views.gitlab_disconnect, name="gitlab_disconnect"
    ),
    path("integrations/gitlab/token/", gitlab_views.gitlab_token_save, name="gitlab_token"),
    path(
        "integrations/gitlab/token/remove/",
        gitlab_views.gitlab_token_remove,
        name="gitlab_token_remove",
    ),
    path(
        "integrations/gitlab/projects/",
        gitlab_views.gitlab_project_track_view,
        name="gitlab_projects",
    ),
    path(
        "integrations/gitlab/projects/<int:repository_id>/stop/",
        gitlab_views.gitlab_project_stop,
        name="gitlab_project_stop",
    ),
    path(
        "integrations/github/token/remove/",
        history_views.github_token_remove,
        name="github_token_remove",
    ),
    path(
        "integrations/github/repositories/",
        history_views.github_repositories,
        name="github_repositories",
    ),
    path(
        "integrations/github/repositories/<int:repository_id>/stop/",
        history_views.github_repository_stop,
        name="github_repository_stop",
    ),
]
