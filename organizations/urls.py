from django.urls import path

from organizations import settings_views as views

app_name = "organization_settings"

urlpatterns = [
    path("counting/", views.counting_update, name="counting"),
    path("bot-names/", views.bot_names_save, name="bot_names"),
    path("github-deployments/", views.github_deployments_save, name="github_deployments"),
    path("incident-label/", views.incident_label_save, name="incident_label"),
    path("teams/", views.team_add, name="team_add"),
    path("teams/members/", views.team_member_add_view, name="team_member_add"),
    path(
        "teams/<int:team_pk>/members/<int:contributor_pk>/remove/",
        views.team_member_remove_view,
        name="team_member_remove",
    ),
    path("contributors/merge/", views.contributors_merge_view, name="contributors_merge"),
    path("contributors/<int:pk>/untrack/", views.contributor_untrack, name="contributor_untrack"),
    path("contributors/<int:pk>/track/", views.contributor_track, name="contributor_track"),
]
