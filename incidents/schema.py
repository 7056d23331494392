"""OpenAPI examples of the incidents API; the error responses are the deployments API's
(one problem-details shape), with a 400 of this API's own fields."""

from drf_spectacular.utils import OpenApiExample

from api.problems import PROBLEM_CONTENT_TYPE
from api.schema import problem_response
from deployments.schema import ERROR_RESPONSES as DEPLOYMENT_ERROR_RESPONSES

ERROR_RESPONSES = {
    **DEPLOYMENT_ERROR_RESPONSES,
    (400, PROBLEM_CONTENT_TYPE): problem_response(
        400,
        "Bad Request",
        "The request has invalid fields: resolvedAt.",
        [{"field": "resolvedAt", "message": "Must not be before startedAt."}],
    ),
}

_SHA = "8f14e45fceea167a5a36dedd4bea2543d3c5a1b2"
POST_EXAMPLES = [
    OpenApiExample(
        "An incident starts",
        value={
            "id": "INC-1042",
            "title": "Checkout returns 500s",
            "url": "https://status.example.com/incidents/1042",
            "severity": "SEV1",
            "repository": "acme/web",
            "environmentName": "production",
            "startedAt": "2025-03-04T10:40:00Z",
        },
        request_only=True,
    ),
    OpenApiExample(
        "It is resolved (the same id again)",
        value={
            "id": "INC-1042",
            "repository": "acme/web",
            "startedAt": "2025-03-04T10:40:00Z",
            "resolvedAt": "2025-03-04T11:25:00Z",
        },
        request_only=True,
    ),
    OpenApiExample(
        "Caused by a known deployment",
        value={"id": "INC-1043", "startedAt": "2025-03-05T08:00:00Z", "deploymentSha": _SHA},
        request_only=True,
    ),
]
_ITEM = {
    "id": "INC-1042",
    "source": "api",
    "title": "Checkout returns 500s",
    "url": "https://status.example.com/incidents/1042",
    "severity": "SEV1",
    "repository": "acme/web",
    "repositoryKnown": True,
    "environmentName": "production",
    "startedAt": "2025-03-04T10:40:00Z",
    "resolvedAt": None,
    "deploymentSha": "",
    "attributedDeployment": {
        "id": 42,
        "commitSha": [_SHA],
        "environmentName": "production",
        "deployedAt": "2025-03-04T09:15:00Z",
    },
    "attribution": "rule",
}
RECORDED_EXAMPLES = [
    OpenApiExample("Created", value=_ITEM, response_only=True, status_codes=[201]),
    OpenApiExample(
        "Updated",
        value={**_ITEM, "resolvedAt": "2025-03-04T11:25:00Z"},
        response_only=True,
        status_codes=[200],
    ),
]
LIST_EXAMPLE = OpenApiExample(
    "A page",
    value={"count": 1, "page": 1, "pageSize": 20, "results": [_ITEM]},
    response_only=True,
    status_codes=[200],
)
