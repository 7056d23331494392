"""The background sync: procrastinate's real worker, on the test database, runs the jobs the
Integrations card queued against the fake GitHub on 127.0.0.1."""

from collections import Counter

import pytest
from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from repositories.github_connection import github_repositories_track
from repositories.models import PullRequest
from repositories.sync_models import GitHubApiToken, GitHubSyncState
from repositories.tasks import github_sync_defer, github_tracked_sync, stalled_jobs_retry
from tests.repositories.fake_github import TOKEN, Fault, add_merged, served

# The worker reads the jobs over its own connection: the test's data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def github(settings, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    with served(settings, monkeypatch) as fake:
        yield fake


@pytest.fixture
def connected(organization):
    return GitHubApiToken.objects.create(organization=organization, token=TOKEN, login="octocat")


def _state(full_name="acme/web") -> GitHubSyncState:
    return GitHubSyncState.objects.get(repository__full_name=full_name)


def test_the_worker_backfills_a_tracked_repository(run_worker, github, organization, connected):
    for number in (1, 2, 3):
        add_merged(github, number, updated_day=10 + number)
    github_repositories_track(organization=organization, full_names=["acme/web"])

    run_worker()

    assert sorted(PullRequest.objects.values_list("number", flat=True)) == [1, 2, 3]
    state = _state()
    assert state.last_synced_at is not None and state.pull_requests_done == 3
    assert state.last_error == "" and state.lease_token == ""
    assert ProcrastinateJob.objects.get().status == "succeeded"


def test_the_periodic_passes_are_scheduled():
    schedule = {p.task: p.cron for p in app.periodic_registry.periodic_tasks.values()}
    assert schedule == {github_tracked_sync: "*/15 * * * *", stalled_jobs_retry: "*/10 * * * *"}


def test_a_sync_whose_worker_died_is_run_again(run_worker, github, organization, connected):
    add_merged(github, 1, updated_day=11)
    github_repositories_track(organization=organization, full_names=["acme/web"])
    with connection.cursor() as cursor:  # a worker took the job, then was killed an hour ago
        cursor.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) "
            "VALUES (now() - interval '1 hour') RETURNING id"
        )
        (worker_id,) = cursor.fetchone()
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s", [worker_id]
        )
    run_worker()
    assert not PullRequest.objects.exists()  # its lock holds the repository

    stalled_jobs_retry.defer(timestamp=0)
    run_worker()

    assert list(PullRequest.objects.values_list("number", flat=True)) == [1]


def test_the_periodic_sync_queues_tracked_repositories_of_connected_organizations(
    run_worker, github, organization, other_organization, connected
):
    github_repositories_track(organization=organization, full_names=["acme/web"])
    github_repositories_track(organization=other_organization, full_names=["globex/web"])
    github_repositories_track(organization=organization, full_names=["acme/old"])
    GitHubSyncState.objects.filter(repository__full_name="acme/old").update(tracked=False)
    run_worker()  # the syncs queued by tracking; globex has no token and records why
    assert "no GitHub token" in _state("globex/web").last_error
    add_merged(github, 7, updated_day=20)

    github_tracked_sync.defer(timestamp=0)
    run_worker()

    jobs = ProcrastinateJob.objects.filter(task_name="github_repository_sync", status="succeeded")
    runs = Counter(job.args["repository_id"] for job in jobs)
    # Tracking queued one sync of each; the periodic pass queued acme/web's alone.
    assert runs == {
        state.repository_id: 2 if state.repository.full_name == "acme/web" else 1
        for state in GitHubSyncState.objects.select_related("repository")
    }
    assert list(PullRequest.objects.values_list("number", flat=True)) == [7]


def test_one_sync_per_repository_waits_at_a_time(run_worker, github, organization, connected):
    github_repositories_track(organization=organization, full_names=["acme/web"])

    assert github_sync_defer(repository_id=_state().repository_id) is False
    run_worker()
    assert github_sync_defer(repository_id=_state().repository_id) is True


def test_github_failing_is_retried_later_and_resumes(run_worker, github, organization, connected):
    add_merged(github, 1, updated_day=11)
    github.faults.append(Fault("/pulls?", 502, times=None))
    github_repositories_track(organization=organization, full_names=["acme/web"])

    run_worker()

    job = ProcrastinateJob.objects.get()
    assert job.status == "todo" and job.attempts == 1 and job.scheduled_at is not None
    assert "answered 502" in _state().last_error
    assert not PullRequest.objects.exists()
    github.faults.clear()
    with connection.cursor() as cursor:  # the retry's time has come
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now()")
    run_worker()
    assert ProcrastinateJob.objects.get().status == "succeeded"
    assert list(PullRequest.objects.values_list("number", flat=True)) == [1]
    assert _state().last_error == ""


def test_a_refused_token_ends_the_job_with_the_error_on_the_card(
    run_worker, github, organization, connected
):
    GitHubApiToken.objects.filter(pk=connected.pk).update(token="ghp_revoked")
    github_repositories_track(organization=organization, full_names=["acme/web"])

    run_worker()

    assert ProcrastinateJob.objects.get().status == "succeeded"
    assert "the token was refused: Bad credentials" in _state().last_error


def test_a_repository_untracked_while_queued_is_not_read(
    run_worker, github, organization, connected
):
    github_repositories_track(organization=organization, full_names=["acme/web"])
    GitHubSyncState.objects.update(tracked=False)

    run_worker()

    assert not github.requests_to("/pulls")
