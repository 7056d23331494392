"""Linking gives the same answer whatever order the data arrives in (issue 5, section 4).

One scenario, sent through the real front doors - signed GitHub webhooks and the
deployments API - in three orders: history first, deployments first, and interleaved.
Every link, repository, default title and deploy moment must come out the same.
"""

import itertools

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from deployments.models import Deployment
from repositories.models import PullRequest
from repositories.webhook_secrets import github_webhook_connect
from tests.factories import make_sha
from tests.repositories import payloads
from tokens.services import token_generate

REPO = "Codertocat/Hello-World"
FIRST, SECOND, MERGE = make_sha("first"), make_sha("second"), make_sha("merge")
UNKNOWN = make_sha("never-pushed")
_deliveries = itertools.count(1)

HISTORY = {
    "push feature": (
        "push",
        payloads.push(
            [
                payloads.push_commit(
                    FIRST, message="Add the thing", timestamp="2026-11-02T09:00:00Z"
                ),
                payloads.push_commit(
                    SECOND, message="Test the thing", timestamp="2026-11-02T11:00:00Z"
                ),
            ],
            ref="refs/heads/feature",
        ),
    ),
    "open pr": (
        "pull_request",
        payloads.pull_request(
            "opened",
            number=5,
            title="The thing",
            head_ref="feature",
            created_at="2026-11-02T12:00:00Z",
        ),
    ),
    "merge pr": (
        "pull_request",
        payloads.pull_request(
            "closed",
            number=5,
            title="The thing",
            head_ref="feature",
            state="closed",
            merged=True,
            merged_at="2026-11-03T10:00:00Z",
            merge_commit_sha=MERGE,
            created_at="2026-11-02T12:00:00Z",
        ),
    ),
    "push merge": (
        "push",
        payloads.push(
            [
                payloads.push_commit(
                    MERGE,
                    message="Merge pull request #5 from Codertocat/feature\n\nThe thing",
                    timestamp="2026-11-03T10:00:00Z",
                )
            ],
        ),
    ),
}
DEPLOYMENTS = {
    # Carries the merge commit: ships PR 5.
    "production": {"commitSha": MERGE, "deployedAt": "2026-11-03T15:00:00Z"},
    # Carries a 7-character prefix of a PR commit, deployed after the merge: ships PR 5 too.
    "staging": {"commitSha": [FIRST[:7], UNKNOWN], "deployedAt": "2026-11-03T12:00:00Z"},
    # Deployed before the merge: an early deployment of a PR commit does not ship the PR.
    "preview": {"commitSha": [SECOND], "deployedAt": "2026-11-02T13:00:00Z"},
}
ORDERS = {
    "history first": [*HISTORY, *DEPLOYMENTS],
    "deployments first": [*DEPLOYMENTS, *HISTORY],
    "interleaved": [
        "push feature",
        "preview",
        "open pr",
        "production",
        "merge pr",
        "staging",
        "push merge",
    ],
}


def send(step, *, client, api, webhook):
    if step in HISTORY:
        event, payload = HISTORY[step]
        body = payloads.encode(payload)
        response = client.post(
            reverse("github_webhook", args=[webhook.path_token]),
            data=body,
            content_type="application/json",
            HTTP_X_GITHUB_EVENT=event,
            HTTP_X_GITHUB_DELIVERY=f"delivery-{next(_deliveries)}",
            HTTP_X_HUB_SIGNATURE_256=payloads.sign(webhook.secret, body),
        )
        assert response.status_code in (200, 202), response.content
    else:
        body = {**DEPLOYMENTS[step], "environmentName": step}
        response = api.post("/api/v1/deployments", body, format="json")
        assert response.status_code == 201, response.content


def linked_state(organization):
    deployments = {}
    for deployment in Deployment.objects.filter(organization=organization).prefetch_related(
        "deployment_commits__commit", "pull_requests"
    ):
        deployments[deployment.environment_name] = {
            "repository": deployment.repository.full_name if deployment.repository else None,
            "title": deployment.display_title,
            "commits": [
                (dc.sha, dc.commit.sha if dc.commit else None)
                for dc in deployment.deployment_commits.all()
            ],
            "prs": sorted(pr.number for pr in deployment.pull_requests.all()),
        }
    pull_requests = {
        pr.number: (
            pr.merged_at,
            pr.first_commit_at,
            pr.deploy_moment,
            sorted(commit.sha for commit in pr.commits.all()),
        )
        for pr in PullRequest.objects.filter(organization=organization)
    }
    return deployments, pull_requests


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("order", ORDERS)
def test_linking_is_the_same_in_every_arrival_order(order, organization, client):
    webhook, _ = github_webhook_connect(organization=organization)
    _, plaintext = token_generate(organization=organization)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    for step in ORDERS[order]:
        send(step, client=client, api=api, webhook=webhook)

    deployments, pull_requests = linked_state(organization)
    assert deployments == {
        "production": {
            "repository": REPO,
            "title": "Merge pull request #5 from Codertocat/feature",
            "commits": [(MERGE, MERGE)],
            "prs": [5],
        },
        "staging": {
            "repository": REPO,
            "title": "Add the thing",
            "commits": [(FIRST[:7], FIRST), (UNKNOWN, None)],
            "prs": [5],
        },
        "preview": {
            "repository": REPO,
            "title": "Test the thing",
            "commits": [(SECOND, SECOND)],
            "prs": [],
        },
    }
    ((merged_at, first_commit_at, deploy_moment, commits),) = pull_requests.values()
    assert merged_at.isoformat() == "2026-11-03T10:00:00+00:00"
    assert first_commit_at.isoformat() == "2026-11-02T09:00:00+00:00"
    # The latest counted deployment that ships it: production at 15:00 (staging was 12:00).
    assert deploy_moment.isoformat() == "2026-11-03T15:00:00+00:00"
    assert commits == sorted([FIRST, SECOND])
