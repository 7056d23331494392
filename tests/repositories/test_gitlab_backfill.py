"""GitLab's backfill against a fake GitLab API on 127.0.0.1: merged MRs of a nested-group
project, their commits and reviews, the three merge methods, pagination, re-runs, rate
limits, retries, a refused token, resuming after a crash, deployments before and after."""

import time
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from deployments.models import DeploymentPullRequest
from deployments.recording import deployment_record
from repositories.gitlab_backfill import gitlab_backfill_run
from repositories.models import GitHubSyncState, PullRequest, Repository
from repositories.rest_client import ApiError, TokenRefused
from tests.repositories import fake_gitlab
from tests.repositories.fake_gitlab import ADA, BOB, TOKEN, Fault, add_merged, at, note
from tokens.services import token_generate

PATH = "platform/payments/checkout"


@pytest.fixture
def gitlab(settings, monkeypatch):
    with fake_gitlab.served(settings, monkeypatch) as fake:
        yield fake


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Each run's writes commit as in production, so the deployment linker (an on_commit
    listener) runs after them."""

    def run_and_commit(organization, **kwargs):
        kwargs.setdefault("token", TOKEN)
        kwargs.setdefault("sleep", lambda seconds: None)
        with django_capture_on_commit_callbacks(execute=True):
            return gitlab_backfill_run(organization=organization, full_name=PATH, **kwargs)

    return run_and_commit


def reviews():
    return [
        note("added 1 commit", author=ADA, created_at=at(3, 8), system=True),
        note("Thanks, I'll fix it", author=ADA, created_at=at(3, 9)),
        note("Looks good", author=BOB, created_at=at(4, 9)),
        note("approved this merge request", author=BOB, created_at=at(3, 11), system=True),
    ]


def test_a_first_backfill_records_merged_mrs_with_their_parts(organization, gitlab, run):
    shas = add_merged(gitlab, 1, updated_day=5, notes=reviews())

    result = run(organization)

    pull_request = PullRequest.objects.select_related("repository").get()
    repository = pull_request.repository
    assert (repository.full_name, repository.host, repository.host_url) == (
        PATH,
        "gitlab",
        gitlab.url,
    )
    assert pull_request.number == 1
    assert pull_request.author_login == "ada"
    assert pull_request.merged_at == datetime(2026, 11, 5, 10, tzinfo=UTC)
    assert pull_request.merge_commit_sha == shas["merge"]
    assert set(pull_request.commits.values_list("sha", flat=True)) == {shas["a"], shas["b"]}
    assert pull_request.first_commit_at == datetime(2026, 11, 1, 12, tzinfo=UTC)
    # The approval's system note (day 3, 11:00) is earlier than Bob's comment; Ada's own
    # comment and "added 1 commit" are not reviews.
    assert pull_request.first_review_at == datetime(2026, 11, 3, 11, tzinfo=UTC)
    # One list page, then commits, notes and the merge commit of the MR: 1 + 3 requests.
    assert result.requests_sent == 4
    assert all(headers.get("PRIVATE-TOKEN") == TOKEN for _, headers in gitlab.requests)
    assert gitlab.requests_to("/projects/platform%2Fpayments%2Fcheckout/merge_requests?")


@pytest.mark.parametrize(
    ("kind", "landing"),
    [("merge", "merge"), ("squash", "squash"), ("fast-forward", "b")],
)
def test_each_merge_method_lands_as_its_commit_and_ships(organization, gitlab, run, kind, landing):
    shas = add_merged(gitlab, 1, updated_day=5, kind=kind)
    early = deployment_record(
        organization=organization,
        request_id="ci-1",
        raw_body="{}",
        shas=[shas[landing]],
        environment_name="production",
        deployed_at=datetime(2026, 11, 5, 11, tzinfo=UTC),
    ).deployment

    run(organization)

    pull_request = PullRequest.objects.get()
    assert pull_request.merge_commit_sha == shas[landing]
    assert DeploymentPullRequest.objects.get(pull_request=pull_request).deployment == early
    assert pull_request.deploy_moment == early.deployed_at


def test_a_deployment_after_the_backfill_ships_the_mr_too(organization, gitlab, run):
    shas = add_merged(gitlab, 1, updated_day=5, kind="squash")
    run(organization)

    later = deployment_record(
        organization=organization,
        request_id="ci-2",
        raw_body="{}",
        shas=[shas["squash"][:8]],
        environment_name="production",
        deployed_at=datetime(2026, 11, 6, tzinfo=UTC),
    )

    assert [pr.number for pr in later.pull_requests] == [1]


def test_the_backfill_replaces_a_hooks_head_stand_in_with_the_squash_commit(
    organization, gitlab, run
):
    shas = add_merged(gitlab, 1, updated_day=5, kind="squash")
    repository = Repository.objects.create(
        organization=organization, full_name=PATH, host="gitlab", host_url=gitlab.url
    )
    PullRequest.objects.create(
        organization=organization,
        repository=repository,
        number=1,
        state="merged",
        merged_at=datetime(2026, 11, 5, 10, tzinfo=UTC),
        merge_commit_sha=shas["b"],  # what the Merge Request Hook named
    )

    run(organization)

    assert PullRequest.objects.get().merge_commit_sha == shas["squash"]


def test_pages_are_followed_and_a_rerun_reads_only_what_changed(organization, gitlab, run):
    gitlab.page_size = 2
    for iid in range(1, 6):
        add_merged(gitlab, iid, updated_day=iid + 2)
    first = run(organization)
    assert (first.pull_requests_read, first.merged_written) == (5, 5)
    assert len(gitlab.requests_to("/merge_requests?")) == 3

    gitlab.requests.clear()
    unchanged = run(organization)
    # The newest MR (updated at the mark) is read again: the list page, its commits and its
    # notes (its merge commit is known now).
    assert unchanged.pull_requests_read == 1
    assert unchanged.requests_sent == 3

    add_merged(gitlab, 6, updated_day=20)
    gitlab.requests.clear()
    changed = run(organization)
    assert [request for request in gitlab.requests_to("/merge_requests/6/")]
    assert changed.pull_requests_read == 2
    assert PullRequest.objects.count() == 6


def test_since_stops_at_older_mrs(organization, gitlab, run):
    for iid in range(1, 4):
        add_merged(gitlab, iid, updated_day=iid * 5)

    run(organization, since=datetime(2026, 11, 8, tzinfo=UTC))

    assert set(PullRequest.objects.values_list("number", flat=True)) == {2, 3}


def test_a_429_waits_as_retry_after_asks_and_5xx_are_retried(organization, gitlab, run):
    add_merged(gitlab, 1, updated_day=5)
    gitlab.faults = [
        Fault("/merge_requests?", 429, {"Retry-After": "7"}, message="429 Too Many Requests"),
        Fault("/notes", 502, times=2),
    ]
    waits = []

    run(organization, sleep=waits.append)

    assert waits == [7.0]
    assert PullRequest.objects.get().first_review_at is None  # no notes in this MR
    assert len(gitlab.requests_to("/notes")) == 3


def test_a_spent_budget_waits_for_the_reset(organization, gitlab, run):
    add_merged(gitlab, 1, updated_day=5)
    gitlab.rate_limit_remaining = 0
    gitlab.rate_limit_reset = int(time.time()) + 60
    waits = []

    run(organization, sleep=waits.append)

    # RateLimit-Reset is a minute ahead: each request after a spent one waits for it.
    assert len(waits) == 3
    assert all(55 < wait <= 61 for wait in waits)


def test_a_refused_token_stops_with_a_clear_message(organization, gitlab, run):
    add_merged(gitlab, 1, updated_day=5)

    with pytest.raises(TokenRefused, match="GITLAB_TOKEN"):
        run(organization, token="glpat-wrong")

    assert "401 Unauthorized" in GitHubSyncState.objects.get().last_error
    assert not PullRequest.objects.exists()


def test_a_run_that_died_resumes_from_its_cursor(organization, gitlab, run):
    gitlab.page_size = 1
    for iid in range(1, 4):
        add_merged(gitlab, iid, updated_day=iid + 2)
    gitlab.faults = [Fault("sort=desc&per_page=100&page=2", 500, times=None)]
    with pytest.raises(ApiError):
        run(organization)
    state = GitHubSyncState.objects.get()
    assert "page=2" in state.next_page_url
    assert list(PullRequest.objects.values_list("number", flat=True)) == [3]

    gitlab.faults = []
    gitlab.requests.clear()
    resumed = run(organization)

    assert resumed.resumed
    assert not gitlab.requests_to("/merge_requests/3/")  # written before the crash
    assert set(PullRequest.objects.values_list("number", flat=True)) == {1, 2, 3}
    assert GitHubSyncState.objects.get().next_page_url == ""


def test_an_mr_that_cannot_be_stored_is_skipped_and_named(organization, gitlab, run):
    add_merged(gitlab, 1, updated_day=5)
    add_merged(gitlab, 2, updated_day=6)
    gitlab.merge_requests[1]["created_at"] = "2200-01-01T00:00:00Z"

    result = run(organization)

    assert list(PullRequest.objects.values_list("number", flat=True)) == [1]
    assert result.skipped and result.skipped[0].startswith("#2")
    assert "mr.created_at" in GitHubSyncState.objects.get().last_error


def test_the_command_reads_gitlab_token_and_reports(organization, gitlab, monkeypatch, capsys):
    add_merged(gitlab, 1, updated_day=5)
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)

    call_command("gitlab_backfill", "--org", "acme", "--project", PATH)

    out = capsys.readouterr()
    assert f"{PATH}: 1 merge requests read, 1 merged written; 4 GitLab requests" in out.out
    assert "1 of ~1 PRs" in out.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "nope", "--project", PATH], "No organization with slug 'nope'"),
        (["--org", "acme", "--project", "checkout"], "group/subgroup/project"),
        (["--org", "acme", "--project", PATH], "no GitLab token"),
    ],
)
def test_the_command_explains_what_is_wrong(organization, gitlab, monkeypatch, args, message):
    monkeypatch.delenv("GITLAB_TOKEN", raising=False)

    with pytest.raises(CommandError, match=message):
        call_command("gitlab_backfill", *args)


def test_a_backfilled_mrs_lead_time_parts_are_in_the_pull_requests_api(organization, gitlab, run):
    """Commits Nov 1 12:00 and Nov 2, opened Nov 3 12:00, approved Nov 4 12:00 (Bob's
    system note), merged Nov 5 10:00, deployed Nov 5 12:00: coding 2 days (172800 s),
    review wait 1 day (86400 s), editing 22 hours (79200 s), deploy 2 hours (7200 s),
    lead time 345600 s (4 days)."""
    approval = note("approved this merge request", author=BOB, created_at=at(4))
    shas = add_merged(gitlab, 1, updated_day=5, notes=[approval], created_at=at(3))
    run(organization)
    deployment_record(
        organization=organization,
        request_id="ci-1",
        raw_body="{}",
        shas=[shas["merge"]],
        environment_name="production",
        deployed_at=datetime(2026, 11, 5, 12, tzinfo=UTC),
    )
    _, plaintext = token_generate(organization=organization, scopes=["metrics:read"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")

    [result] = api.get("/api/v1/pull-requests", {"repository": PATH}).json()["results"]

    assert (result["number"], result["authorLogin"]) == (1, "ada")
    assert result["codingSeconds"] == 172800
    assert result["reviewWaitSeconds"] == 86400
    assert result["editingSeconds"] == 79200
    assert result["deploySeconds"] == 7200
    assert result["leadTimeSeconds"] == 345600
