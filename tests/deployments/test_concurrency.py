"""32 identical POSTs at the same moment: one deployment, 32 receipts, no server error."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from deployments.models import Deployment, DeploymentReceipt
from repositories.models import PullRequest
from tests.deployments.conftest import URL
from tests.factories import make_commit, make_organization, make_pull_request, make_repository
from tokens.services import token_generate

CLIENTS = 32


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_posts_leave_exactly_one_deployment():
    organization = make_organization("acme")
    repo = make_repository(organization)
    merge = make_commit(repo)
    make_pull_request(repo, 1, merged_at=merge.committed_at, merge_commit_sha=merge.sha)
    _, plaintext = token_generate(organization=organization)
    body = {"commitSha": [merge.sha, "abcdef1234"], "environmentName": "production"}
    barrier = threading.Barrier(CLIENTS)
    statuses, replaced = [], []

    def send():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        try:
            barrier.wait(timeout=30)
            response = client.post(URL, body, format="json")
            statuses.append(response.status_code)
            replaced.append(response.json().get("match", {}).get("replacedExisting"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [201] * CLIENTS
    assert sorted(replaced) == [False] + [True] * (CLIENTS - 1)
    deployment = Deployment.objects.get()
    assert deployment.receipt_count == CLIENTS
    assert DeploymentReceipt.objects.filter(deployment=deployment).count() == CLIENTS
    assert deployment.deployment_commits.count() == 2
    assert PullRequest.objects.get().deploy_moment == deployment.deployed_at


@pytest.mark.django_db(transaction=True)
def test_concurrent_tagged_deployments_of_the_same_prs_keep_every_tag():
    """Different deployments shipping the same PRs, each with its own tag, at once: each
    locks the PRs in id order before adding its tag, so none deadlocks and none is lost."""
    organization = make_organization("acme")
    repo = make_repository(organization)
    merges = [make_commit(repo) for _ in range(3)]
    for number, merge in enumerate(merges, start=1):
        make_pull_request(repo, number, merged_at=merge.committed_at, merge_commit_sha=merge.sha)
    _, plaintext = token_generate(organization=organization)
    clients = 12
    barrier = threading.Barrier(clients)
    statuses = []

    def send(index):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        shas = [merge.sha for merge in merges][:: 1 if index % 2 else -1]
        body = {
            "commitSha": [*shas, f"{index:07x}"],
            "environmentName": "production",
            "tags": [f"tag-{index:02d}"],
        }
        try:
            barrier.wait(timeout=30)
            statuses.append(client.post(URL, body, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [201] * clients
    expected = [f"tag-{index:02d}" for index in range(clients)]
    assert [pr.shipped_tags for pr in PullRequest.objects.order_by("number")] == [expected] * 3
