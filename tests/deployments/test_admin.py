"""The deployment admin: a read-only view of the receipts' deduplicated rows, whose
deletions keep the PRs' derived deploy moment and tags in step."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from deployments.models import Deployment
from deployments.recording import deployment_record
from repositories.models import PullRequest
from tests.factories import make_commit, make_pull_request, make_repository

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def shipped(organization):
    repo = make_repository(organization, "acme/web")
    merge = make_commit(repo, at=T0)
    pull_request = make_pull_request(repo, 1, merged_at=T0, merge_commit_sha=merge.sha)
    result = deployment_record(
        organization=organization,
        request_id="req",
        raw_body="{}",
        shas=[merge.sha],
        environment_name="production",
        deployed_at=T0,
        tags=["release"],
    )
    return result.deployment, pull_request


def test_a_deployment_can_be_viewed_but_not_changed(superuser_client, shipped):
    deployment, _ = shipped
    url = reverse("admin:deployments_deployment_change", args=[deployment.pk])

    page = superuser_client.get(url)
    superuser_client.post(url, {"tags": '["edited"]', "environment_name": "edited"})

    assert page.status_code == 200 and b'name="tags"' not in page.content
    deployment.refresh_from_db()
    assert (deployment.tags, deployment.environment_name) == (["release"], "production")


def test_deleting_a_deployment_in_the_admin_recomputes_what_it_shipped(superuser_client, shipped):
    deployment, pull_request = shipped

    superuser_client.post(
        reverse("admin:deployments_deployment_changelist"),
        {"action": "delete_selected", "_selected_action": [deployment.pk], "post": "yes"},
    )

    assert not Deployment.objects.exists()
    pull_request = PullRequest.objects.get(pk=pull_request.pk)
    assert (pull_request.deploy_moment, pull_request.shipped_tags) == (None, [])
