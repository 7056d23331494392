from django.urls import path

from tokens import views

app_name = "tokens"

urlpatterns = [
    path("generate/", views.token_generate_view, name="generate"),
    path("<int:pk>/regenerate/", views.token_regenerate_view, name="regenerate"),
    path("<int:pk>/revoke/", views.token_revoke_view, name="revoke"),
]
