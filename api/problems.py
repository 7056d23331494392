"""One error shape for the whole API: RFC 9457 problem details with a list of fields at fault.

{"type": "about:blank", "title": "Bad Request", "status": 400,
 "detail": "...", "errors": [{"field": "commitSha[0]", "message": "..."}],
 "requestId": "..."}
"""

import logging
from http import HTTPStatus

from django.db import InterfaceError, OperationalError
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger("shiplog.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is larger than the limit."
    default_code = "payload_too_large"


class DatabaseUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = (
        "The database is unavailable; nothing was recorded. Retry shortly and quote the "
        "request id."
    )
    default_code = "database_unavailable"
    # Seconds, sent as Retry-After by DRF's handler.
    wait = 5


# Errors that are about the request as a whole are attached to what the client should fix.
FIELD_BY_EXCEPTION = {
    exceptions.ParseError: "body",
    PayloadTooLarge: "body",
    exceptions.UnsupportedMediaType: "Content-Type",
    exceptions.NotAuthenticated: "Authorization",
    exceptions.AuthenticationFailed: "Authorization",
    exceptions.PermissionDenied: "Authorization",
}


def problem_exception_handler(exc, context):
    """DRF's handler decides status and headers (WWW-Authenticate, Retry-After, Allow)."""
    request = context.get("request")
    request_id = getattr(request, "request_id", "")
    if isinstance(exc, OperationalError | InterfaceError):
        # The database is down or restarting: fail fast, the client retries.
        logger.warning("Database unavailable: %s: %s", type(exc).__name__, exc)
        exc = DatabaseUnavailable()
    response = exception_handler(exc, context)
    if response is None:
        logger.error(
            "Unhandled %s on %s",
            type(exc).__name__,
            request.path,
            exc_info=exc,
            extra={"request_id": request_id},
        )
        response = Response(status=500)
        errors, detail = [], "An unexpected error occurred. Quote the request id to support."
    else:
        errors, detail = _errors_from(exc, response.data)
    problem = Response(
        problem_body(
            status=response.status_code, detail=detail, errors=errors, request_id=request_id
        ),
        status=response.status_code,
        headers={key: value for key, value in response.items() if key != "Content-Type"},
        content_type=PROBLEM_CONTENT_TYPE,
    )
    # A 500 was logged above with the request id; Django would log it a second time.
    problem._has_been_logged = response.status_code >= 500
    return problem


def problem_body(*, status: int, detail: str, errors: list[dict], request_id: str) -> dict:
    return {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "errors": errors,
        "requestId": request_id,
    }


class ProblemFieldSerializer(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, the body of every error response (`problem_body`): for the
    OpenAPI schema."""

    type = serializers.CharField(default="about:blank")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = ProblemFieldSerializer(many=True)
    requestId = serializers.CharField()


def _errors_from(exc: exceptions.APIException, data) -> tuple[list[dict], str]:
    if isinstance(exc, exceptions.ValidationError):
        errors = list(_flatten(exc.detail, prefix=""))
        fields = ", ".join(dict.fromkeys(error["field"] for error in errors))
        return errors, f"The request has invalid fields: {fields}."
    detail = str(data.get("detail", "")) if isinstance(data, dict) else str(data)
    field = next((f for cls, f in FIELD_BY_EXCEPTION.items() if isinstance(exc, cls)), None)
    return ([{"field": field, "message": detail}] if field else []), detail


def _flatten(detail, *, prefix: str):
    """{"commitSha": {0: ["bad"]}} → field "commitSha[0]"; whole-body errors → "body"."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in ("non_field_errors", "detail"):
                name = prefix or "body"
            elif isinstance(key, int) or str(key).isdigit():
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            yield from _flatten(value, prefix=name)
    elif isinstance(detail, list):
        for item in detail:
            yield from _flatten(item, prefix=prefix)
    else:
        yield {"field": prefix or "body", "message": str(detail)}
