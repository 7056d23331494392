"""OpenAPI of the deployments API (drf-spectacular reads this on app load); the pieces
every API shares, the bearer token scheme among them, are in api.schema."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiExample

from api.problems import PROBLEM_CONTENT_TYPE
from api.schema import problem_response
from deployments.serializers import SHA_PATTERN


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


_AUTH = [{"field": "Authorization", "message": "The API token is not valid."}]
_ERRORS = {
    400: problem_response(
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
    401: problem_response(401, "Unauthorized", "The API token is not valid.", _AUTH),
    403: problem_response(
        403,
        "Forbidden",
        "The API token has been revoked.",
        [{"field": "Authorization", "message": "The API token has been revoked."}],
    ),
    405: problem_response(405, "Method Not Allowed", 'Method "PUT" not allowed.', []),
    413: problem_response(
        413,
        "Content Too Large",
        "The request body is over the limit of 1048576 bytes.",
        [{"field": "body", "message": "The request body is over the limit of 1048576 bytes."}],
    ),
    415: problem_response(
        415,
        "Unsupported Media Type",
        'Unsupported media type "text/plain" in request.',
        [{"field": "Content-Type", "message": 'Unsupported media type "text/plain" in request.'}],
    ),
    429: problem_response(
        429,
        "Too Many Requests",
        "Request was throttled. Expected available in 12 seconds.",
        [],
    ),
    500: problem_response(
        500,
        "Internal Server Error",
        "An unexpected error occurred. Quote the request id to support.",
        [],
    ),
    503: problem_response(
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
