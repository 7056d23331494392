import json
import logging

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from repositories.models import GitHubWebhook, WebhookDelivery
from repositories.webhook_secrets import github_webhook_connect
from tests.repositories import payloads


def test_an_admin_connects_and_sees_the_secret_once(admin_client, organization, caplog):
    caplog.set_level(logging.DEBUG)

    response = admin_client.post(reverse("github_connect"))

    assert response.status_code == 200
    webhook = GitHubWebhook.objects.get(organization=organization)
    page = response.content.decode()
    assert f'value="{webhook.secret}"' in page
    payload_url = f"http://testserver/webhooks/github/{webhook.path_token}/"
    assert payload_url in page
    assert organization.slug not in webhook.path_token
    assert "application/json" in page
    for event in ("Pull requests", "Pull request reviews", "Pushes"):
        assert event in page
    assert "no-cache" in response["Cache-Control"]
    # Never rendered again, nor logged.
    integrations = admin_client.get(reverse("integrations")).content.decode()
    assert webhook.secret not in integrations
    assert "Configure" in integrations
    assert webhook.secret not in caplog.text


def test_the_modal_gets_a_fragment(admin_client, organization):
    response = admin_client.post(reverse("github_connect"), HTTP_X_REQUESTED_WITH="fetch")

    assert response.status_code == 200
    assert b"<html" not in response.content
    assert GitHubWebhook.objects.get().secret.encode() in response.content


def test_connecting_twice_keeps_the_first_webhook(admin_client, organization):
    admin_client.post(reverse("github_connect"))
    first = GitHubWebhook.objects.get()

    response = admin_client.post(reverse("github_connect"))

    assert response.status_code == 409
    assert GitHubWebhook.objects.get() == first


def test_regenerating_replaces_the_secret(admin_client, client, organization):
    webhook, _ = github_webhook_connect(organization=organization)
    old_secret = webhook.secret

    response = admin_client.post(reverse("github_regenerate"))

    webhook.refresh_from_db()
    assert webhook.secret != old_secret
    assert webhook.secret in response.content.decode()
    body = payloads.encode(payloads.ping())
    refused = client.post(
        reverse("github_webhook", args=[webhook.path_token]),
        data=body,
        content_type="application/json",
        HTTP_X_GITHUB_EVENT="ping",
        HTTP_X_GITHUB_DELIVERY="1",
        HTTP_X_HUB_SIGNATURE_256=payloads.sign(old_secret, body),
    )
    assert refused.status_code == 401


def test_disconnecting_stops_the_url_and_keeps_deliveries(admin_client, organization):
    webhook, _ = github_webhook_connect(organization=organization)
    WebhookDelivery.objects.create(
        organization=organization,
        webhook=webhook,
        delivery_id="1",
        event="ping",
        raw_body="{}",
        received_at="2024-01-01T00:00:00Z",
        status="processed",
    )

    response = admin_client.post(reverse("github_disconnect"))

    assert response.status_code == 302
    assert not GitHubWebhook.objects.exists()
    assert WebhookDelivery.objects.count() == 1
    gone = admin_client.post(
        reverse("github_webhook", args=[webhook.path_token]),
        data=b"{}",
        content_type="application/json",
    )
    assert gone.status_code == 404


@pytest.mark.parametrize("name", ["github_connect", "github_regenerate", "github_disconnect"])
def test_members_cannot_change_the_webhook(member_client, organization, name):
    webhook, _ = github_webhook_connect(organization=organization)

    response = member_client.post(reverse(name))

    assert response.status_code == 403
    assert GitHubWebhook.objects.get().secret == webhook.secret


def test_members_see_the_status_without_buttons(member_client, organization):
    github_webhook_connect(organization=organization)

    page = member_client.get(reverse("integrations")).content.decode()

    assert 'data-github-state="connected"' in page
    assert "github-configure-dialog" not in page
    assert "An organization admin manages this webhook." in page


def test_an_admin_of_another_organization_only_touches_their_own(outsider_client, organization):
    webhook, _ = github_webhook_connect(organization=organization)

    outsider_client.post(reverse("github_regenerate"))
    outsider_client.post(reverse("github_disconnect"))

    assert GitHubWebhook.objects.get(organization=organization).secret == webhook.secret
    assert (
        not outsider_client.get(reverse("integrations")).content.decode().count(webhook.path_token)
    )


def test_the_card_offers_connect_to_admins(admin_client):
    page = admin_client.get(reverse("integrations")).content.decode()

    assert 'data-open-dialog="github-connect-dialog"' in page
    assert 'data-github-state="disconnected"' in page


def test_the_command_prints_url_and_secret_as_json(organization, capsys):
    call_command(
        "create_github_webhook", "--org", "acme", "--base-url", "https://ship.example.com/"
    )

    printed = json.loads(capsys.readouterr().out)
    webhook = GitHubWebhook.objects.get()
    assert printed == {
        "url": f"https://ship.example.com/webhooks/github/{webhook.path_token}/",
        "secret": webhook.secret,
    }

    call_command("create_github_webhook", "--org", "acme")
    again = json.loads(capsys.readouterr().out)
    assert again["url"].startswith("http://127.0.0.1:8000/webhooks/github/")
    # Shown once: a second run issues a new secret instead of repeating the old one.
    assert again["secret"] != printed["secret"]
    assert GitHubWebhook.objects.count() == 1


def test_the_command_rejects_an_unknown_organization(db):
    with pytest.raises(CommandError, match="No organization with slug 'nope'"):
        call_command("create_github_webhook", "--org", "nope")
