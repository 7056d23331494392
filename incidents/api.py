"""POST and GET /api/v1/incidents: parse, call one service or selector, serialize. Auth,
scopes, throttling, body limit, paging and the error shape are the deployments API's."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from deployments.api import request_body_read
from deployments.selectors import deployment_page
from incidents.models import Incident
from incidents.schema import ERROR_RESPONSES, LIST_EXAMPLE, POST_EXAMPLES, RECORDED_EXAMPLES
from incidents.selectors import incident_list
from incidents.serializers import (
    IncidentInputSerializer,
    IncidentListParamsSerializer,
    IncidentOutputSerializer,
    IncidentPageSerializer,
)
from incidents.services import IncidentRejected, incident_record
from tokens.api_views import TokenApiView
from tokens.models import Scope


class IncidentsApi(TokenApiView):
    required_scopes = {"GET": Scope.INCIDENTS_READ.value, "POST": Scope.INCIDENTS_WRITE.value}

    @extend_schema(
        operation_id="incidents_record",
        summary="Record an incident, or update it (the same id again)",
        request=IncidentInputSerializer,
        responses={
            201: OpenApiResponse(IncidentOutputSerializer, description="Created"),
            200: OpenApiResponse(IncidentOutputSerializer, description="Updated"),
            **ERROR_RESPONSES,
        },
        examples=[*POST_EXAMPLES, *RECORDED_EXAMPLES],
    )
    def post(self, request):
        request_body_read(request)
        serializer = IncidentInputSerializer(
            data=request.data, context={"received_at": timezone.now()}
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        try:
            result = incident_record(
                organization=request.auth.organization,
                source=Incident.Source.API,
                external_id=fields.pop("external_id"),
                fields=fields,
            )
        except IncidentRejected as error:
            # The only field the stored incident can contradict is resolvedAt.
            raise exceptions.ValidationError({"resolvedAt": [error.message]}) from None
        return Response(
            IncidentOutputSerializer(result.incident).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )

    @extend_schema(
        operation_id="incidents_list",
        summary="List incidents, latest started first",
        parameters=[IncidentListParamsSerializer],
        responses={200: IncidentPageSerializer, **ERROR_RESPONSES},
        examples=[LIST_EXAMPLE],
    )
    def get(self, request):
        params = IncidentListParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        page = deployment_page(
            deployments=incident_list(organization=request.auth.organization),
            page=params.validated_data["page"],
            page_size=params.validated_data["page_size"],
        )
        return Response(IncidentPageSerializer(page).data)
