from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.authentication import SessionAuthentication, get_authorization_header
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from metrics.comparison_payload import metrics_payload
from metrics.filters import MetricsFilterSet
from metrics.schema import ERROR_RESPONSES
from metrics.serializers import MetricsResponseSerializer
from organizations.selectors import membership_for_request
from tokens.authentication import ApiTokenAuthentication
from tokens.models import ApiToken
from tokens.permissions import CanReadMetrics


class ApiTokenIfSent(ApiTokenAuthentication):
    """The token when the request sends one; without an Authorization header the browser
    session may authenticate instead (and 401 names the Bearer scheme)."""

    def authenticate(self, request):
        return super().authenticate(request) if get_authorization_header(request) else None


def _organization_of(request):
    if isinstance(request.auth, ApiToken):
        return request.auth.organization
    return membership_for_request(request).organization


# An empty from/to means the default range, as the dashboard's form treats it.
DATE_OR_EMPTY = {
    "anyOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}]
}
QUERY_PARAMETERS = [
    OpenApiParameter("from", DATE_OR_EMPTY, description="First day, UTC (inclusive)."),
    OpenApiParameter("to", DATE_OR_EMPTY, description="Last day, UTC (inclusive)."),
    OpenApiParameter(
        "weeks", str, enum=["4", "12", "26", "52"], description="Instead of from/to."
    ),
    OpenApiParameter("granularity", str, enum=["day", "week", "month"], default="week"),
    OpenApiParameter(
        "repository",
        str,
        many=True,
        description="Repository path: owner/name, group/subgroup/project; repeatable.",
    ),
    OpenApiParameter("team", str, many=True, description="Team slug; repeatable."),
    OpenApiParameter("environment", str, many=True, description="Environment name; repeatable."),
    OpenApiParameter("tag", str, many=True, description="Deployment tag; repeatable."),
]
EXAMPLE = {
    "from": "2026-01-05",
    "to": "2026-03-29",
    "granularity": "week",
    "totals": {"deployments": 31, "deploymentsPerWeek": 2.58, "changeFailureRate": 0.06},
    "series": [{"periodStart": "2026-01-05", "deployments": 3}],
    "excluded": {"test": 2, "noKnownCommits": 1, "noContributorCommits": 0, "botsOnly": 1},
}


class MetricsApi(APIView):
    authentication_classes = [ApiTokenIfSent, SessionAuthentication]
    permission_classes = [CanReadMetrics]
    required_scope = "metrics:read"

    @extend_schema(
        operation_id="metrics_read",
        summary="Deployment Frequency, Change Lead Time, Deploy Time and failure rate",
        description="The dashboard's numbers. Durations are seconds (floats); PRs count in "
        "the period of their deploy moment. Auth: a token with metrics:read, or a session.",
        parameters=QUERY_PARAMETERS,
        responses={200: MetricsResponseSerializer, **ERROR_RESPONSES},
        examples=[OpenApiExample("Twelve weeks", value=EXAMPLE, response_only=True)],
    )
    def get(self, request):
        filterset = MetricsFilterSet(request.query_params, organization=_organization_of(request))
        if not filterset.is_valid():
            raise ValidationError(
                {field: list(messages) for field, messages in filterset.form.errors.items()}
            )
        return Response(metrics_payload(query=filterset.query))
