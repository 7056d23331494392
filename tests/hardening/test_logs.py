"""No secret reaches a log line; every request leaves one structured access line."""

import hashlib
import hmac
import json
import logging
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from repositories.models import GitHubWebhook
from tests.hardening.conftest import api_client_for
from tokens.models import ApiToken

TOKEN_PATTERN = re.compile(r"shl_[0-9A-Za-z]{42}")
BODY = {"commitSha": "8f14e45fceea167a5a36dedd4bea2543d3c5a1b2", "environmentName": "production"}


def _everything_logged(caplog) -> str:
    """Messages, arguments, extra attributes and tracebacks of every record captured."""
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.extend(str(value) for value in vars(record).values())
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


def _signed(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def everything_at_debug(caplog, settings):
    # The SQL logger too (its parameters would carry the webhook secret): that it stays
    # silent at DEBUG is part of what this proves.
    settings.DEBUG = True
    caplog.set_level(logging.DEBUG)
    connection.force_debug_cursor = True
    yield caplog
    connection.force_debug_cursor = False


def test_no_token_or_webhook_secret_reaches_a_log_line(admin_client, everything_at_debug):
    caplog = everything_at_debug
    plaintexts = []
    generated = admin_client.post(reverse("tokens:generate"), HTTP_X_REQUESTED_WITH="fetch")
    plaintexts += TOKEN_PATTERN.findall(generated.content.decode())
    token = ApiToken.objects.get()
    regenerated = admin_client.post(reverse("tokens:regenerate", args=[token.pk]))
    plaintexts += TOKEN_PATTERN.findall(regenerated.content.decode())
    assert len(set(plaintexts)) == 2

    live = plaintexts[-1]
    for plaintext in [live, plaintexts[0], live[:-1] + ("A" if live[-1] != "A" else "B")]:
        client = api_client_for(plaintext)
        client.post("/api/v1/deployments", BODY, format="json")
        client.get("/api/v1/deployments")
        client.get("/api/v1/metrics")
    admin_client.post(reverse("tokens:revoke", args=[ApiToken.objects.get(revoked_at=None).pk]))

    admin_client.post(reverse("github_connect"))
    admin_client.post(reverse("github_regenerate"))
    webhook = GitHubWebhook.objects.get()
    body = json.dumps({"zen": "Keep it logically awesome.", "hook_id": 1}).encode()
    webhook_url = reverse("github_webhook", args=[webhook.path_token])
    for signature in [_signed(webhook.secret, body)[:-2] + "00", "sha256=" + "0" * 64, ""]:
        response = admin_client.post(
            webhook_url,
            body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=signature,
            HTTP_X_GITHUB_EVENT="ping",
            HTTP_X_GITHUB_DELIVERY="d-1",
        )
        assert response.status_code == 401

    out = StringIO()
    call_command("create_api_token", "--org", "acme", stdout=out, stderr=StringIO())
    plaintexts += TOKEN_PATTERN.findall(out.getvalue())
    out = StringIO()
    call_command("create_github_webhook", "--org", "acme", stdout=out)
    secrets = [webhook.secret, json.loads(out.getvalue())["secret"]]

    logged = _everything_logged(caplog)
    assert len(caplog.records) > 15  # the flows above really were logged
    for secret in [*plaintexts, *secrets]:
        assert secret not in logged
    # Nothing that looks like one of our tokens, whatever its origin.
    assert not TOKEN_PATTERN.search(logged)


def _access_lines(caplog):
    return [record for record in caplog.records if record.name == "shiplog.request"]


def test_the_access_line_names_request_organization_token_status_and_duration(
    api, api_token, caplog
):
    caplog.set_level(logging.INFO, logger="shiplog.request")
    api.post("/api/v1/deployments", BODY, format="json", HTTP_X_REQUEST_ID="ci-run-9")
    (line,) = _access_lines(caplog)
    message = line.getMessage()
    assert message.startswith("POST /api/v1/deployments 201 ")
    assert re.search(r" \d+\.\dms ", message)
    assert "request_id=ci-run-9 organization=acme" in message
    assert f"token_prefix={api_token[0].display_prefix}" in message
    assert (line.request_id, line.organization, line.status) == ("ci-run-9", "acme", 201)
    assert line.duration_ms >= 0


def test_the_access_line_of_a_page_names_the_organization_of_the_session(admin_client, caplog):
    caplog.set_level(logging.INFO, logger="shiplog.request")
    response = admin_client.get(reverse("integrations"))
    (line,) = _access_lines(caplog)
    assert line.getMessage().startswith("GET /integrations/ 200 ")
    assert (line.organization, line.token_prefix) == ("acme", "-")
    assert line.request_id == response["X-Request-ID"]


def test_an_anonymous_refused_request_is_logged_without_a_tenant(client, caplog):
    caplog.set_level(logging.INFO, logger="shiplog.request")
    client.post("/api/v1/deployments", BODY, content_type="application/json")
    (line,) = _access_lines(caplog)
    assert line.status == 401
    assert (line.organization, line.token_prefix) == ("-", "-")


def test_a_crafted_path_cannot_forge_a_log_line(client, caplog):
    caplog.set_level(logging.INFO, logger="shiplog.request")
    client.get("/nothing%0Aorganization=globex status=200/")
    (line,) = _access_lines(caplog)
    assert "\n" not in line.getMessage()
    assert "/nothing%0Aorganization=globex%20status=200/" in line.getMessage()


def test_the_webhook_path_token_stays_out_of_the_access_line(client, caplog, organization):
    from repositories.webhook_secrets import github_webhook_connect

    webhook, _ = github_webhook_connect(organization=organization)
    caplog.set_level(logging.INFO, logger="shiplog.request")
    client.post(f"/webhooks/github/{webhook.path_token}/", b"{}", content_type="application/json")
    (line,) = _access_lines(caplog)
    assert webhook.path_token not in line.getMessage()
    assert "/webhooks/github/REDACTED/" in line.getMessage()
