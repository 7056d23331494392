import logging
import re
import time
from contextvars import ContextVar
from urllib.parse import quote
from uuid import uuid4

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.functional import LazyObject

# Our pages carry no inline script, so `script-src 'self'` holds everywhere. Styles allow
# 'unsafe-inline' because plotly.js sets SVG style attributes while it draws.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


# An id a client (or a proxy) chose is echoed only when it is short and log-safe.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
access_logger = logging.getLogger("shiplog.request")
logger = logging.getLogger("shiplog.database")

UNAVAILABLE_PAGE = (
    "<!doctype html><title>Shiplog is unavailable</title>"
    "<h1>Shiplog is briefly unavailable</h1>"
    "<p>The database cannot be reached. Try again in a few seconds.</p>"
    "<p>Request id: {request_id}</p>"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


class RequestIdMiddleware:
    """Gives every request an id: a valid incoming X-Request-ID is echoed, else a new one.

    The id is on request.request_id, in the X-Request-ID response header, and (through
    RequestIdLogFilter) on every log record written while the request is handled, including
    the one access line logged here. A view that cannot reach the database answers 503.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if REQUEST_ID_PATTERN.fullmatch(incoming) else uuid4().hex
        token = request_id_var.set(request.request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            access_log(request, response, duration_ms=(time.monotonic() - started) * 1000)
            return response
        finally:
            request_id_var.reset(token)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            return database_unavailable_response(request, exception)
        return None


def database_unavailable_response(request, exception: Exception) -> HttpResponse:
    """503 with the request id: problem JSON under /api/, a plain page elsewhere."""
    # Imported here: this module is loaded with LOGGING, before the apps are ready.
    from api.problems import PROBLEM_CONTENT_TYPE, DatabaseUnavailable, problem_body

    logger.warning("Database unavailable: %s: %s", type(exception).__name__, exception)
    request_id = getattr(request, "request_id", "")
    if request.path.startswith("/api/"):
        detail = str(DatabaseUnavailable.default_detail)
        body = problem_body(status=503, detail=detail, errors=[], request_id=request_id)
        response = JsonResponse(body, status=503, content_type=PROBLEM_CONTENT_TYPE)
    else:
        response = HttpResponse(UNAVAILABLE_PAGE.format(request_id=request_id), status=503)
    response["Retry-After"] = str(DatabaseUnavailable.wait)
    return response


def access_log(request, response, *, duration_ms: float) -> None:
    """One line per request: `GET /path 200 12.3ms request_id=… organization=… token_prefix=…`.

    The same values ride on the record as attributes, for a JSON handler.
    """
    organization, token_prefix = _request_tenant(request)
    fields = {
        "method": request.method,
        # Quoted so a crafted path cannot forge a second log line.
        "path": quote(text_without_secrets(request.path), safe="/:@!$&'()*+,;=-._~"),
        "status": response.status_code,
        "duration_ms": round(duration_ms, 1),
        "request_id": request.request_id,
        "organization": organization,
        "token_prefix": token_prefix,
    }
    access_logger.info(
        "%(method)s %(path)s %(status)s %(duration_ms).1fms request_id=%(request_id)s "
        "organization=%(organization)s token_prefix=%(token_prefix)s",
        fields,
        extra=fields,
    )


# A webhook's payload URL is a capability: its path token stays out of the logs. Matched in
# any case, with or without the leading slash (the resolver's 404 names "webhooks/github/…"),
# and with its slashes percent-encoded, so a mistyped URL carrying the real token is covered.
WEBHOOK_PATH = re.compile(
    r"(webhooks(?:/|%2F)+(?:github|gitlab|pagerduty)(?:/|%2F)+)[^/\s'\"?#]+", re.IGNORECASE
)


def text_without_secrets(text: str) -> str:
    """text with every webhook path token replaced by REDACTED: the one redaction rule."""
    return WEBHOOK_PATH.sub(r"\1REDACTED", text)


def _request_tenant(request) -> tuple[str, str]:
    """(organization slug, API token display prefix) or "-", without any extra query.

    Page views set request.organization; DRF sets request.user to the token's ApiTokenUser.
    A session user that nothing evaluated stays lazy, so logging never hits the database.
    """
    user = request.__dict__.get("user")
    token = None if isinstance(user, LazyObject) else getattr(user, "token", None)
    organization = request.__dict__.get("organization") or getattr(token, "organization", None)
    return (
        getattr(organization, "slug", "-"),
        getattr(token, "display_prefix", "-"),
    )


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # django.request logs after the middleware returned, but passes the request.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or request_id_var.get()
        return True


class SecretRedactionLogFilter(logging.Filter):
    """Redacts the message, traceback and stack of every record (django.request names the
    path of each 4xx/5xx) through text_without_secrets. settings.LOGGING puts it on every
    handler, and routes Django's own loggers to them."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = text_without_secrets(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            # The formatter keeps exc_text and prints it instead of formatting exc_info.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = text_without_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = text_without_secrets(record.stack_info)
        return True
