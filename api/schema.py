"""OpenAPI pieces every API shares: the bearer token scheme and problem-details responses
(drf-spectacular registers an extension when its module is imported)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from api.problems import ProblemSerializer

EXAMPLE_REQUEST_ID = "6f1c0e6a2b7d4a4f9a3f0d8a5c1e2b90"


class ApiTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "tokens.authentication.ApiTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The organization's Deployments API token (Integrations page).",
        }


def problem_response(status: int, title: str, detail: str, errors: list[dict]) -> OpenApiResponse:
    """A documented error response with an example problem-details body."""
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "errors": errors,
        "requestId": EXAMPLE_REQUEST_ID,
    }
    return OpenApiResponse(
        ProblemSerializer,
        description=f"{title} (application/problem+json)",
        examples=[OpenApiExample(title, value=body, response_only=True, status_codes=[status])],
    )
