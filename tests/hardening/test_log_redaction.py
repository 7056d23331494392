"""A webhook's path token (a capability URL) reaches no log output, from any logger."""

import logging
from io import StringIO

import pytest
from django.conf import settings
from django.test import Client

from repositories import views
from repositories.services import github_webhook_connect


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
