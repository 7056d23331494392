"""OpenAPI for GET /api/v1/metrics (drf-spectacular reads this on app load)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse

from api.problems import PROBLEM_CONTENT_TYPE, ProblemSerializer


class MetricsTokenScheme(OpenApiAuthenticationExtension):
    """The same bearer token as the Deployments API, with the metrics:read scope."""

    target_class = "metrics.api.ApiTokenIfSent"
    name = "metricsBearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token of the organization (Integrations page).",
        }


ERROR_RESPONSES = {
    (400, PROBLEM_CONTENT_TYPE): OpenApiResponse(
        ProblemSerializer, description="A query parameter is invalid; `errors` names it."
    ),
    (401, PROBLEM_CONTENT_TYPE): OpenApiResponse(
        ProblemSerializer, description="No valid token and no session."
    ),
    (403, PROBLEM_CONTENT_TYPE): OpenApiResponse(
        ProblemSerializer, description="Token revoked or without metrics:read; no membership."
    ),
}
