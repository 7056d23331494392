"""OpenAPI for GET /api/v1/metrics and GET /api/v1/pull-requests (drf-spectacular reads
this on app load)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

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


# GET /api/v1/pull-requests: a date or a date-time (midnight UTC for a date); empty is no bound.
DATE_OR_DATETIME_OR_EMPTY = {
    "anyOf": [
        {"type": "string", "format": "date"},
        {"type": "string", "format": "date-time"},
        {"type": "string", "maxLength": 0},
    ]
}
PULL_REQUEST_PAGE_EXAMPLE = OpenApiExample(
    "A page",
    value={
        "count": 1,
        "page": 1,
        "pageSize": 20,
        "results": [
            {
                "repository": "acme/web",
                "number": 128,
                "title": "Faster checkout",
                "authorLogin": "octocat",
                "state": "merged",
                "openedAt": "2025-03-03T09:00:00Z",
                "firstCommitAt": "2025-03-03T08:00:00Z",
                "firstReviewAt": "2025-03-03T11:00:00Z",
                "mergedAt": "2025-03-04T08:15:00Z",
                "mergeCommitSha": "8f14e45fceea167a5a36dedd4bea2543d3c5a1b2",
                "deployedAt": "2025-03-04T09:15:00Z",
                "leadTimeSeconds": 90900.0,
                "leadTimeEndsAtMerge": False,
                "codingSeconds": 3600.0,
                "reviewWaitSeconds": 7200.0,
                "editingSeconds": 76500.0,
                "deploySeconds": 3600.0,
            }
        ],
    },
    response_only=True,
    status_codes=[200],
)
