"""A webhook's path token (a capability URL) reaches no log output, from any logger."""

import logging
from io import StringIO

import pytest
from django.conf import settings
from django.test import Client

from config.middleware import SecretRedactionLogFilter, text_without_secrets
from incidents.services import pagerduty_webhook_connect
from repositories import views
from repositories.webhook_secrets import github_webhook_connect
from tests.repositories import payloads


@pytest.fixture
def console_output():
    """What the console handler, configured from settings.LOGGING, writes."""
    (console,) = [handler for handler in logging.getLogger().handlers if handler.name == "console"]
    output = StringIO()
    previous = console.setStream(output)
    yield output
    console.setStream(previous)


@pytest.fixture
def webhook(organization):
    return github_webhook_connect(organization=organization)[0]


def test_every_handler_redacts_secrets():
    for name, handler in settings.LOGGING["handlers"].items():
        assert "redact_secrets" in handler.get("filters", []), name


def test_refused_webhook_requests_log_no_path_token(client, webhook, console_output):
    url = f"/webhooks/github/{webhook.path_token}/"
    assert client.post(url, b"{}", content_type="application/json").status_code == 401
    assert client.get(url).status_code == 405
    unknown = "an-unknown-path-token-0123456789"
    assert (
        client.post(
            f"/webhooks/github/{unknown}/", b"{}", content_type="application/json"
        ).status_code
        == 404
    )

    logged = console_output.getvalue()
    assert "Unauthorized: /webhooks/github/REDACTED/" in logged  # django.request's warning
    assert "Not Found: /webhooks/github/REDACTED/" in logged
    assert webhook.path_token not in logged
    assert unknown not in logged


def test_a_failing_webhook_logs_no_path_token_in_its_traceback(
    webhook, console_output, monkeypatch
):
    url = f"/webhooks/github/{webhook.path_token}/"

    def broken(*args, **kwargs):
        raise RuntimeError(f"broken while handling {url}")

    monkeypatch.setattr(views, "github_webhook_for_path_token", broken)
    response = Client(raise_request_exception=False).post(url, b"{}", content_type="text/plain")
    assert response.status_code == 500

    logged = console_output.getvalue()
    assert "Internal Server Error: /webhooks/github/REDACTED/" in logged
    assert "RuntimeError: broken while handling /webhooks/github/REDACTED/" in logged
    assert webhook.path_token not in logged


def _handlers_reached(logger: logging.Logger) -> list[logging.Handler]:
    """The handlers a record logged on `logger` is given to, as logging.callHandlers walks
    (less those pytest adds to the root while a test runs)."""
    handlers = []
    while logger is not None:
        handlers.extend(logger.handlers)
        logger = logger.parent if logger.propagate else None
    return [handler for handler in handlers if not type(handler).__module__.startswith("_pytest")]


@pytest.mark.parametrize(
    "name",
    [
        "django",
        "django.request",
        "django.server",
        "django.security.DisallowedHost",
        "django.db.backends",
        "shiplog.request",
        "shiplog.database",
        "py.warnings",
    ],
)
def test_every_logger_reaches_only_redacting_handlers(name):
    # Django's own "django" handlers (console with DEBUG on, mail_admins with it off) have no
    # redaction; a logger reaching no handler at all falls to logging.lastResort's raw line.
    handlers = _handlers_reached(logging.getLogger(name))

    assert handlers
    for handler in handlers:
        assert any(isinstance(f, SecretRedactionLogFilter) for f in handler.filters), handler


def test_runservers_request_lines_are_redacted(console_output):
    logging.getLogger("django.server").warning(
        '"%s" %s %s', "POST /webhooks/github/a-real-path-token-0123/ HTTP/1.1", "404", "9"
    )

    logged = console_output.getvalue()
    assert '"POST /webhooks/github/REDACTED/ HTTP/1.1" 404 9' in logged
    assert "a-real-path-token-0123" not in logged


def test_a_rejected_payload_logs_no_path_token(client, webhook, console_output):
    body = b'{"ref": "refs/heads/main", "commits": "not a list"}'
    response = client.post(
        f"/webhooks/github/{webhook.path_token}/",
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=payloads.sign(webhook.secret, body),
        HTTP_X_GITHUB_EVENT="push",
        HTTP_X_GITHUB_DELIVERY="d-1",
    )
    assert response.status_code == 400

    logged = console_output.getvalue()
    assert "Bad Request: /webhooks/github/REDACTED/" in logged
    assert webhook.path_token not in logged


def test_a_mistyped_url_carrying_the_real_token_logs_no_path_token(
    client, webhook, console_output
):
    url = f"/Webhooks/GitHub/{webhook.path_token}/"
    assert client.post(url, b"{}", content_type="application/json").status_code == 404

    logged = console_output.getvalue()
    assert "Not Found: /Webhooks/GitHub/REDACTED/" in logged
    assert webhook.path_token not in logged


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("/webhooks/github/tok_en-1/", "/webhooks/github/REDACTED/"),
        # Django's resolver names the path without its leading slash.
        ("{'path': 'webhooks/github/tok_en-1/'}", "{'path': 'webhooks/github/REDACTED/'}"),
        ("/WEBHOOKS/github/tok_en-1", "/WEBHOOKS/github/REDACTED"),
        ("/webhooks%2Fgithub%2Ftok_en-1", "/webhooks%2Fgithub%2FREDACTED"),
        ("/webhooks//github/tok_en-1?x=1", "/webhooks//github/REDACTED?x=1"),
        ("/webhooks/github/", "/webhooks/github/"),
    ],
)
def test_text_without_secrets_redacts_every_form_of_the_path(text, redacted):
    assert text_without_secrets(text) == redacted


def test_a_logged_stack_is_redacted(console_output):
    logging.getLogger("shiplog.test").warning(
        "while handling /webhooks/github/tok_en-1/", stack_info=True
    )

    logged = console_output.getvalue()
    assert "Stack (most recent call last)" in logged
    assert "tok_en-1" not in logged


def test_refused_pagerduty_deliveries_log_no_path_token(client, organization, console_output):
    webhook, _ = pagerduty_webhook_connect(organization=organization)
    url = f"/webhooks/pagerduty/{webhook.path_token}/"

    assert client.post(url, b"{}", content_type="application/json").status_code == 401

    logged = console_output.getvalue()
    assert "Unauthorized: /webhooks/pagerduty/REDACTED/" in logged
    assert webhook.path_token not in logged
