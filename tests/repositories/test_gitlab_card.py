"""The GitLab card on Integrations: connect (the secret token shown once), regenerate, the
deployments opt-in, disconnect; admins only, each organization its own."""

import logging

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from repositories.gitlab_connection import gitlab_webhook_connect
from repositories.models import GitLabWebhook, WebhookDelivery
from tests.repositories import gitlab_payloads as payloads
from tests.repositories.gitlab_helpers import deliver


def test_an_admin_connects_and_sees_the_secret_token_once(admin_client, organization, caplog):
    caplog.set_level(logging.DEBUG)

    response = admin_client.post(reverse("gitlab_connect"))

    assert response.status_code == 200
    webhook = GitLabWebhook.objects.get(organization=organization)
    page = response.content.decode()
    assert f'value="{webhook.secret}"' in page
    assert f"http://testserver/webhooks/gitlab/{webhook.path_token}/" in page
    for trigger in ("Push events", "Comments", "Merge request events", "Deployment events"):
        assert trigger in page
    assert "no-cache" in response["Cache-Control"]
    integrations = admin_client.get(reverse("integrations")).content.decode()
    assert webhook.secret not in integrations
    assert 'data-gitlab-state="connected"' in integrations
    assert webhook.secret not in caplog.text


def test_the_modal_gets_a_fragment(admin_client):
    response = admin_client.post(reverse("gitlab_connect"), HTTP_X_REQUESTED_WITH="fetch")

    assert response.status_code == 200
    assert b"<html" not in response.content
    assert GitLabWebhook.objects.get().secret.encode() in response.content


def test_connecting_twice_keeps_the_first_webhook(admin_client):
    admin_client.post(reverse("gitlab_connect"))
    first = GitLabWebhook.objects.get()

    assert admin_client.post(reverse("gitlab_connect")).status_code == 409
    assert GitLabWebhook.objects.get() == first


def test_regenerating_refuses_the_old_token(admin_client, client, organization):
    webhook, _ = gitlab_webhook_connect(organization=organization)
    old = webhook.secret

    response = admin_client.post(reverse("gitlab_regenerate"))

    webhook.refresh_from_db()
    assert webhook.secret != old
    assert webhook.secret in response.content.decode()
    refused = deliver(client, webhook, "Push Hook", payloads.push([]), token=old)
    assert refused.status_code == 401


def test_the_deployments_opt_in_is_saved(admin_client, organization):
    gitlab_webhook_connect(organization=organization)

    admin_client.post(reverse("gitlab_deployments"), {"enabled": "on"})
    assert GitLabWebhook.objects.get().deployments_enabled is True
    page = admin_client.get(reverse("integrations")).content.decode()
    assert "Recorded from GitLab's deployment events" in page

    admin_client.post(reverse("gitlab_deployments"), {})
    assert GitLabWebhook.objects.get().deployments_enabled is False


def test_disconnecting_stops_the_url_and_keeps_deliveries(admin_client, client, organization):
    webhook, _ = gitlab_webhook_connect(organization=organization)
    deliver(client, webhook, "Push Hook", payloads.push([]))

    response = admin_client.post(reverse("gitlab_disconnect"))

    assert response.status_code == 302
    assert not GitLabWebhook.objects.exists()
    assert WebhookDelivery.objects.count() == 1
    assert deliver(client, webhook, "Push Hook", payloads.push([])).status_code == 404


@pytest.mark.parametrize(
    "name", ["gitlab_connect", "gitlab_regenerate", "gitlab_deployments", "gitlab_disconnect"]
)
def test_members_cannot_change_the_webhook(member_client, organization, name):
    webhook, _ = gitlab_webhook_connect(organization=organization)

    assert member_client.post(reverse(name), {"enabled": "on"}).status_code == 403
    stored = GitLabWebhook.objects.get()
    assert (stored.secret, stored.deployments_enabled) == (webhook.secret, False)


def test_members_see_the_status_without_buttons(member_client, organization):
    gitlab_webhook_connect(organization=organization)

    page = member_client.get(reverse("integrations")).content.decode()

    assert 'data-gitlab-state="connected"' in page
    assert "gitlab-configure-dialog" not in page


def test_an_admin_of_another_organization_only_touches_their_own(outsider_client, organization):
    webhook, _ = gitlab_webhook_connect(organization=organization)

    outsider_client.post(reverse("gitlab_regenerate"))
    outsider_client.post(reverse("gitlab_disconnect"))

    assert GitLabWebhook.objects.get(organization=organization).secret == webhook.secret
    assert webhook.path_token not in outsider_client.get(reverse("integrations")).content.decode()


def test_the_card_offers_connect_to_admins(admin_client):
    page = admin_client.get(reverse("integrations")).content.decode()

    assert 'data-open-dialog="gitlab-connect-dialog"' in page
    assert 'data-gitlab-state="disconnected"' in page


def test_the_command_rejects_an_unknown_organization(db):
    with pytest.raises(CommandError, match="No organization with slug 'nope'"):
        call_command("create_gitlab_webhook", "--org", "nope")
