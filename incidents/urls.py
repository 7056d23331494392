from django.urls import path

from incidents.api import IncidentsApi

urlpatterns = [
    path("api/v1/incidents", IncidentsApi.as_view(), name="api-incidents"),
]
