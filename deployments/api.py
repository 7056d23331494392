"""POST and GET /api/v1/deployments: parse, call one service or selector, serialize."""

from datetime import datetime

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from api.problems import PayloadTooLarge
from deployments.filters import DeploymentFilter
from deployments.recording import deployment_record
from deployments.schema import (
    DATETIME_OR_EMPTY,
    ERROR_RESPONSES,
    LIST_EXAMPLE,
    POST_EXAMPLES,
    RECORDED_EXAMPLE,
)
from deployments.selectors import deployment_list, deployment_page
from deployments.serializers import (
    DeploymentCreatedSerializer,
    DeploymentInputSerializer,
    DeploymentListParamsSerializer,
    DeploymentPageSerializer,
)
from tokens.api_views import TokenApiView
from tokens.models import Scope

MAX_BODY_BYTES = 1024 * 1024


def request_body_read(request) -> str:
    """The raw body for the receipt log, refused over 1 MiB (declared or actually read)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES or len(body := request.body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The request body is over the limit of {MAX_BODY_BYTES} bytes.")
    return body.decode("utf-8", errors="replace")


def post_body_validate(request) -> tuple[datetime, str, dict]:
    """(received_at, raw body, validated fields) of a POST, or the 4xx that refuses it."""
    received_at = timezone.now()
    raw_body = request_body_read(request)
    serializer = DeploymentInputSerializer(data=request.data, context={"received_at": received_at})
    serializer.is_valid(raise_exception=True)
    return received_at, raw_body, serializer.validated_data


def list_params_validate(request) -> tuple[dict, DeploymentFilter]:
    """Paging and filters checked together, so one 400 names every bad parameter."""
    params = DeploymentListParamsSerializer(data=request.query_params)
    filters = DeploymentFilter(request.query_params)
    params_ok, filters_ok = params.is_valid(), filters.is_valid()
    if not (params_ok and filters_ok):
        raise exceptions.ValidationError({**params.errors, **filters.errors})
    return params.validated_data, filters


class DeploymentsApi(TokenApiView):
    required_scopes = {"GET": Scope.DEPLOYMENTS_READ.value, "POST": Scope.DEPLOYMENTS_WRITE.value}

    @extend_schema(
        operation_id="deployments_record",
        summary="Record a deployment",
        request=DeploymentInputSerializer,
        responses={201: OpenApiResponse(DeploymentCreatedSerializer), **ERROR_RESPONSES},
        examples=[*POST_EXAMPLES, RECORDED_EXAMPLE],
    )
    def post(self, request):
        received_at, raw_body, fields = post_body_validate(request)
        result = deployment_record(
            organization=request.auth.organization,
            token=request.auth,
            request_id=request.request_id,
            raw_body=raw_body,
            received_at=received_at,
            **fields,
        )
        body = DeploymentCreatedSerializer(result.deployment, context={"result": result}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="deployments_list",
        summary="List recorded deployments, newest first",
        parameters=[
            DeploymentListParamsSerializer,
            OpenApiParameter("environmentName", str, description="Exact environment name."),
            OpenApiParameter(
                "repository",
                str,
                description='Repository path ("owner/name", "group/sub/project").',
            ),
            OpenApiParameter(
                "since", DATETIME_OR_EMPTY, description="ISO 8601; deployedAt ≥ since."
            ),
            OpenApiParameter(
                "until", DATETIME_OR_EMPTY, description="ISO 8601; deployedAt < until."
            ),
        ],
        responses={200: DeploymentPageSerializer, **ERROR_RESPONSES},
        examples=[LIST_EXAMPLE],
    )
    def get(self, request):
        params, filters = list_params_validate(request)
        deployments = deployment_list(
            organization=request.auth.organization, include_tests=params["include_tests"]
        )
        page = deployment_page(
            deployments=filters.filter_queryset(deployments),
            page=params["page"],
            page_size=params["page_size"],
        )
        return Response(DeploymentPageSerializer(page).data)
