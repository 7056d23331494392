"""The Deployments API card in a real browser: Connect → Generate → Copy → use → Configure →
Regenerate → Revoke, as an admin; and what a member sees."""

import json
import urllib.error
import urllib.request

import pytest
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from tokens.authentication import ApiTokenAuthentication
from tokens.models import ApiToken
from tokens.services import token_generate

pytestmark = pytest.mark.browser


def _authenticate(plaintext: str) -> int:
    """The HTTP status the API's authentication class gives this token (200 when accepted)."""
    request = Request(APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {plaintext}"))
    try:
        ApiTokenAuthentication().authenticate(request)
    except exceptions.APIException as error:
        return error.status_code
    return 200


def _api(live_server, method: str, plaintext: str) -> int:
    """Call the real Deployments API like a CI job would; returns the HTTP status."""
    body = {"commitSha": "a" * 40, "environmentName": "production", "isTest": True}
    request = urllib.request.Request(  # noqa: S310 (the live server's http URL)
        f"{live_server.url}/api/v1/deployments",
        method=method,
        data=json.dumps(body).encode() if method == "POST" else None,
        headers={"Authorization": f"Bearer {plaintext}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _card(page):
    return page.locator("#deployments-api-card")


def _reveal_token(page, dialog) -> str:
    field = dialog.locator("#api-token-value")
    field.wait_for()
    assert dialog.get_by_text("It will not be shown again").is_visible()
    assert field.get_attribute("readonly") is not None
    return field.input_value()


def test_an_admin_connects_copies_regenerates_and_revokes(
    page, login, admin, screenshot, live_server
):
    login(admin, next_path="/integrations/")
    card = _card(page)
    assert card.get_attribute("data-token-state") == "disconnected"
    screenshot("card-connect")

    card.get_by_role("button", name="Connect").click()
    connect = page.locator("#connect-token-dialog")
    assert connect.is_visible()
    screenshot("connect-modal")

    connect.get_by_role("button", name="Generate Token").click()
    token = _reveal_token(page, connect)
    assert token.startswith("shl_")
    curl = connect.locator("#curl-example").inner_text()
    assert f"curl --fail-with-body -X POST {live_server.url}/api/v1/deployments" in curl
    assert f"Authorization: Bearer {token}" in curl
    assert "secrets.SHIPLOG_API_TOKEN" in connect.locator("#github-actions-example").inner_text()
    screenshot("token-revealed")

    copy = connect.get_by_role("button", name="Copy Token")
    copy.click()
    page.wait_for_function(
        "document.querySelector('[data-copy-from=\"api-token-value\"]').textContent === 'Copied'"
    )
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == token
    screenshot("token-copied")
    assert _authenticate(copied) == 200
    assert _api(live_server, "POST", copied) == 201
    assert _api(live_server, "GET", copied) == 200

    connect.get_by_role("button", name="Done").click()
    page.wait_for_selector("#deployments-api-card[data-token-state=connected]")
    assert card.get_by_role("button", name="Configure").is_visible()
    assert f"{token[:12]}…" in card.inner_text()
    assert "alice" in card.inner_text()
    assert token not in page.content()
    screenshot("card-configure")

    card.get_by_role("button", name="Configure").click()
    configure = page.locator("#configure-token-dialog")
    assert configure.is_visible()
    screenshot("configure-modal")
    confirmations = []
    page.once("dialog", lambda dialog: (confirmations.append(dialog.message), dialog.accept()))
    configure.get_by_role("button", name="Regenerate token").click()
    new_token = _reveal_token(page, configure)
    assert "Regenerate the token?" in confirmations[0]
    assert new_token != token
    assert _api(live_server, "GET", token) == 403
    assert _api(live_server, "POST", token) == 403
    assert _api(live_server, "POST", new_token) == 201
    screenshot("token-regenerated")

    configure.get_by_role("button", name="Done").click()
    page.wait_for_selector(f"#deployments-api-card:has-text('{new_token[:12]}')")
    card.get_by_role("button", name="Configure").click()
    # Dismissing the confirmation changes nothing.
    page.once("dialog", lambda dialog: dialog.dismiss())
    configure.get_by_role("button", name="Revoke token").click()
    assert configure.is_visible()
    assert ApiToken.objects.get(revoked_at__isnull=True).display_prefix == new_token[:12]

    page.once("dialog", lambda dialog: dialog.accept())
    configure.get_by_role("button", name="Revoke token").click()
    page.wait_for_selector("#deployments-api-card[data-token-state=disconnected]")
    assert card.get_by_role("button", name="Connect").is_visible()
    assert page.get_by_text(f"Token {new_token[:12]}… was revoked").is_visible()
    assert _api(live_server, "POST", new_token) == 403
    assert _api(live_server, "GET", new_token) == 403
    assert new_token not in page.content()
    screenshot("revoked-card-connect")


def test_a_member_sees_the_status_but_no_buttons(page, login, member, organization, screenshot):
    token, _ = token_generate(organization=organization)
    login(member, next_path="/integrations/")
    card = _card(page)
    assert f"{token.display_prefix}…" in card.inner_text()
    assert "An organization admin manages this token." in card.inner_text()
    assert card.locator("button").count() == 0
    assert page.locator("#connect-token-dialog, #configure-token-dialog").count() == 0
    screenshot("member-card")


def test_anonymous_visitors_are_sent_to_login(page, db):
    page.goto("/integrations/")
    assert "/accounts/login/" in page.url


def test_an_admin_issues_a_read_only_metrics_token(page, login, admin, screenshot, live_server):
    login(admin, next_path="/integrations/")
    _card(page).get_by_role("button", name="Connect").click()
    connect = page.locator("#connect-token-dialog")
    connect.get_by_label("Read metrics only").check()
    screenshot("connect-modal-metrics-choice")
    connect.get_by_role("button", name="Generate Token").click()
    token = _reveal_token(page, connect)
    assert "metrics:read" in connect.inner_text()
    example = connect.locator("#metrics-example").inner_text()
    assert "Bearer $SHIPLOG_API_TOKEN" in example
    assert f"{live_server.url}/api/v1/metrics" in example
    assert not connect.locator("#curl-example").count()
    screenshot("metrics-token-revealed")
    url, headers = f"{live_server.url}/api/v1/metrics", {"Authorization": f"Bearer {token}"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - the live server
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 200
    assert _api(live_server, "POST", token) == 403
    assert ApiToken.objects.get(revoked_at__isnull=True).scopes == ["metrics:read"]

    # Regenerating offers the same choice, preselected; switching gives a CI token.
    connect.get_by_role("button", name="Done").click()
    page.wait_for_selector("#deployments-api-card[data-token-state=connected]")
    _card(page).get_by_role("button", name="Configure").click()
    configure = page.locator("#configure-token-dialog")
    assert configure.get_by_label("Read metrics only").is_checked()
    configure.get_by_label("Record deployments").check()
    page.once("dialog", lambda dialog: dialog.accept())
    configure.get_by_role("button", name="Regenerate token").click()
    new_token = _reveal_token(page, configure)
    assert _api(live_server, "POST", new_token) == 201
