"""Saving counted environments on /settings/ queues them; procrastinate's real worker, on
the test database, saves them and refreshes every deploy moment in one transaction."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from repositories.models import PullRequest
from tests.factories import make_contributor, make_repository
from tests.metrics.helpers import make_deployment, make_merged_pr

# The worker reads the jobs over its own connection: the test's data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

SETTINGS = reverse("organization_settings")
COUNTING = reverse("organization_settings:counting")
NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def shipped(organization):
    """A PR shipped to staging, then to production a day later."""
    ada = make_contributor(organization, "Ada Lovelace", login="ada")
    repository = make_repository(organization, "acme/web")
    pull_request = make_merged_pr(
        repository,
        author=ada,
        first_commit_at=NOW - timedelta(days=4),
        merged_at=NOW - timedelta(days=3),
    )
    for environment, days_ago in (("staging", 2), ("production", 1)):
        make_deployment(
            organization,
            pull_requests=[pull_request],
            environment=environment,
            deployed_at=NOW - timedelta(days=days_ago),
        )
    return pull_request


def _deploy_moment(pull_request):
    return PullRequest.objects.get(pk=pull_request.pk).deploy_moment


def test_the_worker_applies_saved_environments_and_deploy_moments_follow(
    admin_client, organization, shipped, run_worker
):
    assert _deploy_moment(shipped) == NOW - timedelta(days=1)

    response = admin_client.post(COUNTING, {"environment": ["staging"]})

    assert response.status_code == 302
    assert response.url == f"{SETTINGS}#counting"
    page = admin_client.get(SETTINGS).content.decode()
    assert "Counted environments saved: staging" in page
    assert "Being applied by the background worker: <strong>staging</strong>" in page
    # Until the worker has applied it, everything counts as before.
    assert "Now counting <strong>every environment</strong>" in page
    organization.refresh_from_db()
    assert organization.counted_environments == []
    assert _deploy_moment(shipped) == NOW - timedelta(days=1)

    run_worker()

    organization.refresh_from_db()
    assert organization.counted_environments == ["staging"]
    assert _deploy_moment(shipped) == NOW - timedelta(days=2)
    page = admin_client.get(SETTINGS).content.decode()
    assert "Now counting: <strong>staging</strong>" in page
    assert "Being applied" not in page


def test_requests_are_applied_in_the_order_saved_so_the_latest_wins(
    admin_client, organization, shipped, run_worker
):
    admin_client.post(COUNTING, {"environment": ["staging"]})
    admin_client.post(COUNTING, {"environment": ["production", "staging"]})
    admin_client.post(COUNTING, {})

    page = admin_client.get(SETTINGS).content.decode()
    pending = page.count("Being applied by the background worker")
    assert pending == 3
    assert page.index("<strong>staging</strong>") < page.index(
        "<strong>production, staging</strong>"
    )

    run_worker()

    organization.refresh_from_db()
    assert organization.counted_environments == []
    assert _deploy_moment(shipped) == NOW - timedelta(days=1)
    jobs = ProcrastinateJob.objects.filter(task_name="organization_counting_apply")
    assert list(jobs.values_list("status", flat=True)) == ["succeeded"] * 3


def test_a_member_queues_nothing(member_client, organization, shipped):
    assert member_client.post(COUNTING, {"environment": ["staging"]}).status_code == 403
    assert not ProcrastinateJob.objects.filter(task_name="organization_counting_apply").exists()
