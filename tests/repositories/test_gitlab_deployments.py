"""GitLab deployment events as a source of deployments, opt-in per organization: a success
is recorded through deployment_record like a POST (GitLab's documented Deployment Hook)."""

import pytest
from rest_framework.test import APIClient

from deployments.models import Deployment, DeploymentReceipt
from repositories.gitlab_connection import gitlab_deployments_set
from repositories.models import Repository, WebhookDelivery
from tests.repositories import gitlab_payloads as payloads
from tests.repositories.gitlab_helpers import deliver
from tokens.services import token_generate

HOOK = "Deployment Hook"
DOCUMENTED_SHA = "279484c09fbe69ededfced8c1bb6e6d24616b468"


@pytest.fixture
def enabled(gitlab_webhook):
    return gitlab_deployments_set(webhook=gitlab_webhook, enabled=True)


def api_deployments(organization) -> list[dict]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_generate(organization=organization)[1]}")
    return client.get("/api/v1/deployments").json()["results"]


def test_a_success_is_recorded_like_a_post(client, organization, enabled):
    response = deliver(client, enabled, HOOK, payloads.deployment(), uuid="event-1")

    assert response.status_code == 200
    [listed] = api_deployments(organization)
    assert listed["environmentName"] == "staging"
    assert listed["commitSha"] == [DOCUMENTED_SHA]  # the full SHA, from commit_url
    assert listed["deployedAt"] == "2021-04-28T19:50:00Z"  # "21:50:00 +0200"
    assert listed["title"] == "Add new file"
    receipt = DeploymentReceipt.objects.get()
    assert receipt.request_id == "event-1"
    repository = Repository.objects.get()
    assert (repository.full_name, repository.host_url) == (
        "root/test-deployment-webhooks",
        "http://10.126.0.2:3000",
    )


def test_the_short_sha_serves_when_commit_url_has_no_sha(client, organization, enabled):
    payload = payloads.deployment()
    payload["commit_url"] = None

    deliver(client, enabled, HOOK, payload)

    assert api_deployments(organization)[0]["commitSha"] == [DOCUMENTED_SHA[:8]]


def test_a_redelivered_event_is_one_deployment_and_the_same_sha_again_dedupes(
    client, organization, enabled
):
    deliver(client, enabled, HOOK, payloads.deployment(), uuid="a")
    again = deliver(client, enabled, HOOK, payloads.deployment(), uuid="a")
    retried_job = deliver(client, enabled, HOOK, payloads.deployment(deployment_id=16), uuid="b")

    assert again.json()["status"] == "duplicate"
    assert retried_job.status_code == 200
    assert Deployment.objects.count() == 1
    assert DeploymentReceipt.objects.count() == 2


@pytest.mark.parametrize("status", ["running", "failed", "canceled", "created"])
def test_other_statuses_are_stored_not_recorded(client, enabled, status):
    response = deliver(client, enabled, HOOK, payloads.deployment(status=status))

    assert response.status_code == 202
    assert not Deployment.objects.exists()
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.IGNORED


def test_nothing_is_recorded_while_the_source_is_off(client, gitlab_webhook):
    response = deliver(client, gitlab_webhook, HOOK, payloads.deployment())

    assert response.status_code == 202
    assert "off for this organization" in response.json()["detail"]
    assert not Deployment.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"environment": " "}, "environment"),
        ({"environment": None}, "environment"),
        ({"status_changed_at": "2021-04-28 21:50:00"}, "status_changed_at"),
        ({"status_changed_at": "2101-01-01 00:00:00 UTC"}, "status_changed_at"),
        ({"commit_url": None, "short_sha": "xyz"}, "short_sha"),
        ({"commit_title": "a\0b"}, "commit_title"),
    ],
)
def test_a_malformed_deployment_is_400_naming_the_field(client, enabled, change, field):
    payload = {**payloads.deployment(), **change}

    response = deliver(client, enabled, HOOK, payload)

    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert not WebhookDelivery.objects.exists()
    assert not Deployment.objects.exists()
