from django.urls import path

from deployments.api import DeploymentsApi

urlpatterns = [
    path("deployments", DeploymentsApi.as_view(), name="api-deployments"),
]
