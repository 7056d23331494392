"""GET /api/v1/pull-requests: the merged PRs the metrics read, each with its lead time and
parts, a page at a time (the deployments GET's paging and envelope, the metrics API's auth)."""

from datetime import date

import django_filters
from django.core.validators import RegexValidator
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from deployments.selectors import deployment_page
from metrics.api import ApiTokenIfSent, _organization_of
from metrics.query import MetricsQuery
from metrics.schema import DATE_OR_DATETIME_OR_EMPTY, ERROR_RESPONSES, PULL_REQUEST_PAGE_EXAMPLE
from metrics.selectors.pull_requests import lead_time_seconds, pull_requests_scoped
from metrics.serializers import PullRequestListParamsSerializer, PullRequestPageSerializer
from organizations.dates import EARLIEST_YEAR, LATEST_YEAR, supported_date_validate
from organizations.models import Organization
from repositories.models import REPOSITORY_FULL_NAME, REPOSITORY_FULL_NAME_MESSAGE, PullRequest
from tokens.models import Scope
from tokens.permissions import CanReadMetrics


def pull_request_list(*, organization: Organization) -> QuerySet[PullRequest]:
    """The organization's merged PRs by tracked contributors (`pull_requests_scoped`), newest
    merge first, with `lead_time_seconds` as `<span>_seconds` (null where an end is unknown,
    so lead time and deploy for a PR merged but not deployed yet) and `ends_at_merge`."""
    # pull_requests_scoped reads no range: the whole supported one, the filters narrow it.
    query = MetricsQuery(
        organization=organization,
        start=date(EARLIEST_YEAR, 1, 1),
        end=date(LATEST_YEAR, 12, 31),
    )
    seconds = {f"{name}_seconds": span for name, span in lead_time_seconds().items()}
    ends_at_merge = Q(shipped_at__isnull=True, end_moment__isnull=False)
    return (
        pull_requests_scoped(query=query)
        .select_related("repository")
        .annotate(**seconds, ends_at_merge=ExpressionWrapper(ends_at_merge, BooleanField()))
        .order_by("-merged_at", "-id")
    )


# The shape the repository table's full-name constraint allows.
FULL_NAME_VALIDATOR = RegexValidator(
    REPOSITORY_FULL_NAME, message=REPOSITORY_FULL_NAME_MESSAGE.capitalize() + "."
)


class PullRequestListFilter(django_filters.FilterSet):
    """`mergedSince` is inclusive and `mergedUntil` exclusive, as the deployments GET's
    `since` and `until`; a date alone is midnight UTC."""

    repository = django_filters.CharFilter(
        field_name="repository__full_name", validators=[FULL_NAME_VALIDATOR]
    )
    mergedSince = django_filters.IsoDateTimeFilter(
        field_name="merged_at", lookup_expr="gte", validators=[supported_date_validate]
    )
    mergedUntil = django_filters.IsoDateTimeFilter(
        field_name="merged_at", lookup_expr="lt", validators=[supported_date_validate]
    )

    class Meta:
        model = PullRequest
        fields = []


def list_params_validate(request) -> tuple[dict, PullRequestListFilter]:
    """Paging and filters checked together, so one 400 names every bad parameter."""
    params = PullRequestListParamsSerializer(data=request.query_params)
    filters = PullRequestListFilter(request.query_params)
    params_ok, filters_ok = params.is_valid(), filters.is_valid()
    if not (params_ok and filters_ok):
        raise exceptions.ValidationError({**params.errors, **filters.errors})
    return params.validated_data, filters


class PullRequestsApi(APIView):
    authentication_classes = [ApiTokenIfSent, SessionAuthentication]
    permission_classes = [CanReadMetrics]
    required_scope = Scope.METRICS_READ.value

    @extend_schema(
        operation_id="pull_requests_list",
        summary="List merged pull requests with their lead time, newest merge first",
        description="The merged PRs of tracked contributors, which the metrics read. Durations "
        "are seconds (floats), computed as the dashboard's PR table and CSV compute them; "
        "null where a start or end is unknown. Auth: a token with metrics:read, or a session.",
        parameters=[
            PullRequestListParamsSerializer,
            OpenApiParameter(
                "repository",
                str,
                description='Repository path ("owner/name", "group/sub/project"); unknown: none.',
            ),
            OpenApiParameter(
                "mergedSince", DATE_OR_DATETIME_OR_EMPTY, description="ISO 8601; mergedAt ≥."
            ),
            OpenApiParameter(
                "mergedUntil", DATE_OR_DATETIME_OR_EMPTY, description="ISO 8601; mergedAt <."
            ),
        ],
        responses={200: PullRequestPageSerializer, **ERROR_RESPONSES},
        examples=[PULL_REQUEST_PAGE_EXAMPLE],
    )
    def get(self, request):
        params, filters = list_params_validate(request)
        pull_requests = pull_request_list(organization=_organization_of(request))
        page = deployment_page(
            deployments=filters.filter_queryset(pull_requests),
            page=params["page"],
            page_size=params["page_size"],
        )
        return Response(PullRequestPageSerializer(page).data)
