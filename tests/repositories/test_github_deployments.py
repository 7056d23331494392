"""GitHub deployment statuses as a source of deployments: a success status of an organization
that turned the source on is recorded through deployment_record, like a POST."""

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from deployments.models import Deployment, DeploymentReceipt
from organizations.models import Organization
from repositories.models import GitHubWebhook, WebhookDelivery
from repositories.webhook_secrets import github_webhook_connect
from tests.factories import make_commit, make_pull_request, make_repository
from tests.repositories.deployment_payloads import SHA, deployment_status
from tests.repositories.test_webhooks import deliver
from tokens.services import token_generate

SETTINGS = reverse("organization_settings")


@pytest.fixture
def enabled(organization):
    organization.github_deployments_enabled = True
    organization.save()
    return organization


@pytest.fixture
def webhook(enabled) -> GitHubWebhook:
    webhook, _ = github_webhook_connect(organization=enabled)
    return webhook


def api_deployments(organization) -> list[dict]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_generate(organization=organization)[1]}")
    response = client.get("/api/v1/deployments")
    assert response.status_code == 200
    return response.json()["results"]


def test_a_success_status_records_a_deployment_with_a_receipt(client, webhook, organization):
    response = deliver(
        client,
        webhook,
        "deployment_status",
        deployment_status(description="Deploy v1.4", created_at="2019-05-15T17:20:55+02:00"),
        delivery_id="d1",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "processed"
    [listed] = api_deployments(organization)
    assert listed["environmentName"] == "production"
    assert listed["commitSha"] == [SHA]
    assert listed["deployedAt"] == "2019-05-15T15:20:55Z"
    assert listed["title"] == "Deploy v1.4"
    assert (listed["tags"], listed["isTest"]) == ([], False)
    receipt = DeploymentReceipt.objects.get()
    assert receipt.deployment_id == listed["id"]
    assert (receipt.request_id, receipt.token) == ("d1", None)
    assert receipt.raw_body == WebhookDelivery.objects.get().raw_body


def test_the_deployments_environment_is_used_when_the_status_has_none(client, webhook):
    payload = deployment_status(environment=None, deployment_environment="staging")

    assert deliver(client, webhook, "deployment_status", payload).status_code == 200
    assert Deployment.objects.get().environment_name == "staging"


def test_a_redelivered_status_is_one_deployment_with_two_receipts(client, webhook, organization):
    for _ in range(2):
        response = deliver(client, webhook, "deployment_status", deployment_status())
        assert response.status_code == 200

    [listed] = api_deployments(organization)
    assert DeploymentReceipt.objects.filter(deployment_id=listed["id"]).count() == 2
    assert Deployment.objects.get().receipt_count == 2


def test_a_success_for_a_merge_commit_ships_the_pr(client, webhook, organization):
    repository = make_repository(organization, "Codertocat/Hello-World")
    merged_at = datetime(2019, 5, 15, 12, 0, tzinfo=UTC)
    make_commit(repository, SHA, at=merged_at)
    pull_request = make_pull_request(repository, 7, merged_at=merged_at, merge_commit_sha=SHA)

    deliver(client, webhook, "deployment_status", deployment_status())

    pull_request.refresh_from_db()
    assert pull_request.deploy_moment == datetime(2019, 5, 15, 15, 20, 55, tzinfo=UTC)
    assert list(Deployment.objects.get().pull_requests.all()) == [pull_request]


@pytest.mark.parametrize("state", ["failure", "error", "pending", "in_progress", "queued"])
def test_other_states_are_stored_and_not_recorded(client, webhook, state):
    response = deliver(client, webhook, "deployment_status", deployment_status(state))

    assert response.status_code == 202
    assert response.json() == {
        "status": "ignored",
        "detail": f"deployment_status {state} is not recorded",
    }
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.IGNORED
    assert not Deployment.objects.exists()
    assert not DeploymentReceipt.objects.exists()


def test_nothing_is_recorded_while_the_setting_is_off_as_it_is_by_default(client, organization):
    webhook, _ = github_webhook_connect(organization=organization)

    response = deliver(client, webhook, "deployment_status", deployment_status())

    assert response.status_code == 202
    assert "off" in response.json()["detail"]
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.IGNORED
    assert not Deployment.objects.exists()
    assert not DeploymentReceipt.objects.exists()


def _without(payload: dict, path: str) -> dict:
    *parents, last = path.split(".")
    node = payload
    for key in parents:
        node = node[key]
    del node[last]
    return payload


def _with(payload: dict, path: str, value) -> dict:
    *parents, last = path.split(".")
    node = payload
    for key in parents:
        node = node[key]
    node[last] = value
    return payload


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (_without(deployment_status(), "deployment.sha"), "deployment.sha"),
        (_with(deployment_status(), "deployment.sha", "f95f852"), "deployment.sha"),
        (_with(deployment_status(), "deployment.sha", 42), "deployment.sha"),
        (_with(deployment_status(), "deployment", []), "deployment"),
        (_without(deployment_status(), "deployment_status"), "deployment_status"),
        (_with(deployment_status(), "deployment_status.state", 1), "deployment_status.state"),
        (
            _with(deployment_status(), "deployment_status.environment", ["production"]),
            "deployment_status.environment",
        ),
        (
            _with(deployment_status(), "deployment_status.environment", "  "),
            "deployment_status.environment",
        ),
        (
            _without(deployment_status(environment=None), "deployment.environment"),
            "deployment.environment",
        ),
        (
            _with(deployment_status(), "deployment_status.created_at", "yesterday"),
            "deployment_status.created_at",
        ),
        (
            _with(deployment_status(), "deployment_status.created_at", "2019-05-15T15:20:55"),
            "deployment_status.created_at",
        ),
        (
            _with(deployment_status(), "deployment_status.created_at", "1969-12-31T23:59:59Z"),
            "deployment_status.created_at",
        ),
        (
            _with(deployment_status(), "deployment_status.created_at", "2101-01-01T00:00:00Z"),
            "deployment_status.created_at",
        ),
        (
            _with(deployment_status(), "deployment.description", {"text": "v1"}),
            "deployment.description",
        ),
        (_with(deployment_status(), "repository.full_name", "nope"), "repository.full_name"),
    ],
)
def test_it_rejects_a_malformed_status_naming_the_field(client, webhook, payload, field):
    response = deliver(client, webhook, "deployment_status", payload)

    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert not WebhookDelivery.objects.exists()
    assert not Deployment.objects.exists()
    assert not DeploymentReceipt.objects.exists()


def test_it_rejects_a_malformed_status_of_another_state_too(client, webhook):
    payload = _without(deployment_status("failure"), "deployment.sha")

    assert deliver(client, webhook, "deployment_status", payload).status_code == 400
    assert not WebhookDelivery.objects.exists()


def test_another_organizations_webhook_records_into_its_own_organization(
    client, webhook, organization, other_organization
):
    other_organization.github_deployments_enabled = True
    other_organization.save()
    other_webhook, _ = github_webhook_connect(organization=other_organization)

    payload = deployment_status(deployment_environment="globex-prod", environment="globex-prod")
    assert deliver(client, other_webhook, "deployment_status", payload).status_code == 200

    assert api_deployments(organization) == []
    [listed] = api_deployments(other_organization)
    assert listed["environmentName"] == "globex-prod"
    assert DeploymentReceipt.objects.get().organization == other_organization


# The setting, on the settings page and in the admin


class _FormReader(HTMLParser):
    """The action and the submitted fields of the form posting to `action`."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        elif tag == "input" and self.inside:
            self.fields[attrs["name"]] = attrs.get("value", "")
            if attrs.get("type") == "checkbox":
                self.fields[f"{attrs['name']}:checked"] = "checked" in attrs

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def _rendered_form(client) -> dict:
    reader = _FormReader(reverse("organization_settings:github_deployments"))
    reader.feed(client.get(SETTINGS).content.decode())
    return reader.fields


def test_the_settings_checkbox_turns_github_deployments_on_and_off(admin_client, organization):
    fields = _rendered_form(admin_client)
    assert fields["github_deployments:checked"] is False
    ticked = {"csrfmiddlewaretoken": fields["csrfmiddlewaretoken"], "github_deployments": "on"}

    response = admin_client.post(reverse("organization_settings:github_deployments"), ticked)

    assert response.status_code == 302
    assert response.url == f"{SETTINGS}#github-deployments"
    organization.refresh_from_db()
    assert organization.github_deployments_enabled
    assert _rendered_form(admin_client)["github_deployments:checked"] is True
    untick = {"csrfmiddlewaretoken": fields["csrfmiddlewaretoken"]}
    admin_client.post(reverse("organization_settings:github_deployments"), untick)
    organization.refresh_from_db()
    assert not organization.github_deployments_enabled


def test_the_setting_changes_only_the_admins_organization(
    admin_client, organization, other_organization
):
    admin_client.post(
        reverse("organization_settings:github_deployments"), {"github_deployments": "on"}
    )

    assert Organization.objects.get(pk=organization.pk).github_deployments_enabled
    assert not Organization.objects.get(pk=other_organization.pk).github_deployments_enabled


def test_members_cannot_turn_github_deployments_on(member_client, organization):
    response = member_client.post(
        reverse("organization_settings:github_deployments"), {"github_deployments": "on"}
    )

    assert response.status_code == 403
    organization.refresh_from_db()
    assert not organization.github_deployments_enabled


def test_the_admin_edits_the_setting(superuser_client, organization):
    url = reverse("admin:organizations_organization_change", args=[organization.pk])

    assert b'name="github_deployments_enabled"' in superuser_client.get(url).content
    listing = superuser_client.get(reverse("admin:organizations_organization_changelist"))
    assert b"column-github_deployments_enabled" in listing.content
