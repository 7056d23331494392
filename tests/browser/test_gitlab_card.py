"""The GitLab card in a real browser: Connect → copy the URL and secret token → GitLab
delivers a merge request → Configure: record deployments, regenerate the secret token."""

import json
import urllib.error
import urllib.request

import pytest

from repositories.models import PullRequest
from tests.repositories import gitlab_payloads

pytestmark = pytest.mark.browser


def _gitlab_delivers(url: str, token: str, uuid: str) -> int:
    """POST a documented Merge Request Hook to the live server as GitLab would."""
    request = urllib.request.Request(  # noqa: S310 (the live server's http URL)
        url,
        method="POST",
        data=json.dumps(gitlab_payloads.merge_request(iid=3)).encode(),
        headers={
            "Content-Type": "application/json",
            "X-Gitlab-Event": "Merge Request Hook",
            "X-Gitlab-Token": token,
            "X-Gitlab-Event-UUID": uuid,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _copied(page, field_id: str) -> str:
    button = page.locator(f'[data-copy-from="{field_id}"]')
    button.click()
    button.filter(has_text="Copied").wait_for()
    return page.evaluate("() => navigator.clipboard.readText()")


def test_an_admin_connects_gitlab_and_a_delivery_arrives(page, login, admin, screenshot):
    login(admin, next_path="/integrations/")
    card = page.locator("#gitlab-card")
    assert card.get_attribute("data-gitlab-state") == "disconnected"

    card.get_by_role("button", name="Connect").click()
    connect = page.locator("#gitlab-connect-dialog")
    assert "Merge request events" in connect.inner_text()
    connect.get_by_role("button", name="Create webhook").click()
    connect.locator("#gitlab-secret").wait_for()
    assert connect.get_by_text("It will not be shown again").is_visible()
    screenshot("secret-revealed")
    url = _copied(page, "gitlab-payload-url")
    secret = _copied(page, "gitlab-secret")
    assert "/webhooks/gitlab/" in url

    assert _gitlab_delivers(url, "wrong", "u-0") == 401
    assert _gitlab_delivers(url, secret, "u-1") == 200
    assert PullRequest.objects.get().number == 3

    connect.get_by_role("button", name="Done").click()
    page.wait_for_selector("#gitlab-card[data-gitlab-state=connected]")
    assert secret not in page.content()
    facts = card.inner_text()
    assert "alice" in facts
    assert "Not recorded from GitLab" in facts
    screenshot("card-connected")

    card.get_by_role("button", name="Configure").click()
    configure = page.locator("#gitlab-configure-dialog")
    configure.locator("#gitlab-deployments-enabled").check()
    configure.get_by_role("button", name="Save").click()
    page.wait_for_selector("#gitlab-card:has-text('Recorded from GitLab')")

    card.get_by_role("button", name="Configure").click()
    confirmations = []
    page.once("dialog", lambda dialog: (confirmations.append(dialog.message), dialog.accept()))
    configure.get_by_role("button", name="Regenerate secret token").click()
    configure.locator("#gitlab-secret").wait_for()
    new_secret = configure.locator("#gitlab-secret").input_value()
    assert "Regenerate the webhook's secret token?" in confirmations[0]
    assert new_secret != secret
    assert _gitlab_delivers(url, secret, "u-2") == 401
    assert _gitlab_delivers(url, new_secret, "u-3") == 200
    screenshot("secret-regenerated")


def test_a_member_sees_the_card_without_buttons(page, login, member, organization):
    login(member, next_path="/integrations/")
    card = page.locator("#gitlab-card")

    assert "Ask an organization admin to connect GitLab." in card.inner_text()
    assert card.get_by_role("button", name="Connect").count() == 0
