from django.urls import path

from repositories import views

urlpatterns = [
    path("webhooks/github/<str:path_token>/", views.github_webhook, name="github_webhook"),
    path("integrations/github/connect/", views.github_connect, name="github_connect"),
    path("integrations/github/regenerate/", views.github_regenerate, name="github_regenerate"),
    path("integrations/github/disconnect/", views.github_disconnect, name="github_disconnect"),
]
