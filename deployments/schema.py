"""OpenAPI: the API token is a bearer token (drf-spectacular reads this on app load)."""

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from deployments.exceptions import PROBLEM_CONTENT_TYPE
from deployments.serializers import SHA_PATTERN, ProblemSerializer


class ApiTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "tokens.authentication.ApiTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The organization's Deployments API token (Integrations page).",
        }


class OneOrManyFieldSchema(OpenApiSerializerFieldExtension):
    """One value or a list of them, as the API accepts (not only the list)."""

    target_class = "deployments.serializers.OneOrManyField"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        many = auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
        description = many.pop("description", "")
        if not field.allow_empty or field.min_length:
            many["minItems"] = max(1, field.min_length or 0)
        if field.max_length is not None:
            many["maxItems"] = field.max_length
        return {"oneOf": [many["items"], many], "description": description}


class ShaFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "deployments.serializers.ShaField"

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "pattern": f"^{SHA_PATTERN.pattern}$"}


# An empty value means "no bound" (as django-filter treats it); anything else is ISO 8601.
DATETIME_OR_EMPTY = {
    "anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "maxLength": 0}]
}


def _problem_example(status: int, title: str, detail: str, errors: list[dict]) -> OpenApiResponse:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "errors": errors,
        "requestId": "6f1c0e6a2b7d4a4f9a3f0d8a5c1e2b90",
    }
    return OpenApiResponse(
        ProblemSerializer,
        description=f"{title} (application/problem+json)",
        examples=[OpenApiExample(title, value=body, response_only=True, status_codes=[status])],
    )


_AUTH = [{"field": "Authorization", "message": "The API token is not valid."}]
_ERRORS = {
    400: _problem_example(
        400,
        "Bad Request",
        "The request has invalid fields: commitSha[1], environmentName.",
        [
            {
                "field": "commitSha[1]",
                "message": (
                    "Must be 7 to 40 hexadecimal characters (a commit SHA or a prefix of one)."
                ),
            },
            {"field": "environmentName", "message": "This field is required."},
        ],
    ),
    401: _problem_example(401, "Unauthorized", "The API token is not valid.", _AUTH),
    403: _problem_example(
        403,
        "Forbidden",
        "The API token has been revoked.",
        [{"field": "Authorization", "message": "The API token has been revoked."}],
    ),
    405: _problem_example(405, "Method Not Allowed", 'Method "PUT" not allowed.', []),
    413: _problem_example(
        413,
        "Content Too Large",
        "The request body is over the limit of 1048576 bytes.",
        [{"field": "body", "message": "The request body is over the limit of 1048576 bytes."}],
    ),
    415: _problem_example(
        415,
        "Unsupported Media Type",
        'Unsupported media type "text/plain" in request.',
        [{"field": "Content-Type", "message": 'Unsupported media type "text/plain" in request.'}],
    ),
    429: _problem_example(
        429,
        "Too Many Requests",
        "Request was throttled. Expected available in 12 seconds.",
        [],
    ),
    500: _problem_example(
        500,
        "Internal Server Error",
        "An unexpected error occurred. Quote the request id to support.",
        [],
    ),
    503: _problem_example(
        503,
        "Service Unavailable",
        "The database is unavailable; nothing was recorded. Retry shortly and quote the "
        "request id.",
        [],
    ),
}
# Errors are sent as application/problem+json, so that is the documented media type.
ERROR_RESPONSES = {
    (status, PROBLEM_CONTENT_TYPE): response for status, response in _ERRORS.items()
}

_SHA = "8f14e45fceea167a5a36dedd4bea2543d3c5a1b2"
POST_EXAMPLES = [
    OpenApiExample(
        "A single commit SHA",
        value={"commitSha": _SHA, "environmentName": "production"},
        request_only=True,
    ),
    OpenApiExample(
        "Several SHAs, with every optional field",
        value={
            "commitSha": [_SHA, "c9f0f895fb98ab9159f51fd0297e236d"],
            "environmentName": "production",
            "deployedAt": "2025-03-04T10:15:00+01:00",
            "title": "Release 2025.03.04",
            "tags": ["product_launch"],
            "isTest": False,
        },
        request_only=True,
    ),
    OpenApiExample(
        "A test deployment",
        value={"commitSha": _SHA, "environmentName": "production", "isTest": True},
        request_only=True,
    ),
]
_ITEM = {
    "id": 42,
    "commitSha": [_SHA],
    "environmentName": "production",
    "deployedAt": "2025-03-04T09:15:00Z",
    "receivedAt": "2025-03-04T09:15:02.318000Z",
    "title": "Merge pull request #128 from acme/faster-checkout",
    "tags": [],
    "isTest": False,
    "repository": "acme/web",
}
RECORDED_EXAMPLE = OpenApiExample(
    "Recorded",
    value={
        **_ITEM,
        "match": {
            "matchedShas": [_SHA],
            "unknownShas": [],
            "pullRequests": [
                {"repository": "acme/web", "number": 128, "title": "Faster checkout"}
            ],
            "replacedExisting": False,
        },
    },
    response_only=True,
    status_codes=[201],
)
LIST_EXAMPLE = OpenApiExample(
    "A page",
    value={"count": 1, "page": 1, "pageSize": 20, "results": [_ITEM]},
    response_only=True,
    status_codes=[200],
)
