"""The GitHub REST backfill against a fake GitHub served on 127.0.0.1 (tests/repositories/
fake_github.py): nothing here reaches the internet."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from repositories.github_api import GitHubApiError, GitHubTokenRefused
from repositories.github_backfill import GitHubBackfillBusy, github_backfill_run
from repositories.models import Commit, GitHubSyncState, PullRequest
from tests.factories import make_sha
from tests.repositories.fake_github import (
    TOKEN,
    Fault,
    add_merged,
    at,
    pull,
    review,
    served,
)


@pytest.fixture
def github(settings, monkeypatch):
    with served(settings, monkeypatch) as fake:
        yield fake


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def backfill(organization, sleeps):
    def run(**options):
        options.setdefault("token", TOKEN)
        return github_backfill_run(
            organization=organization, full_name="acme/web", sleep=sleeps.append, **options
        )

    return run


def moment(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def test_it_backfills_merged_prs_reading_three_pages(github, backfill, organization):
    github.page_size = 2
    for number in range(1, 6):
        add_merged(github, number, updated_day=10 + number)

    result = backfill()

    assert [path for path in github.requests_to("/pulls?")] == [
        "/repos/acme/web/pulls?state=closed&sort=updated&direction=desc&per_page=100",
        "/repos/acme/web/pulls?state=closed&sort=updated&direction=desc&per_page=100&page=2",
        "/repos/acme/web/pulls?state=closed&sort=updated&direction=desc&per_page=100&page=3",
    ]
    pull_request = PullRequest.objects.get(number=3)
    assert pull_request.state == PullRequest.State.MERGED
    assert pull_request.merged_at == moment(13, 10)
    assert pull_request.merge_commit_sha == make_sha("3-merge")
    assert pull_request.first_commit_at == moment(1)
    assert pull_request.commits.count() == 2
    assert Commit.objects.filter(sha=make_sha("3-merge")).exists()
    assert (result.pull_requests_read, result.merged_written) == (5, 5)
    state = GitHubSyncState.objects.get(repository__full_name="acme/web")
    assert state.updated_at_mark == moment(15)
    assert (state.next_page_url, state.last_error, state.lease_token) == ("", "", "")


def test_a_rerun_of_an_unchanged_repository_is_one_request_and_changes_nothing(github, backfill):
    for number in range(1, 4):
        add_merged(github, number, updated_day=10 + number)
    backfill()
    before = list(PullRequest.objects.order_by("number").values())
    github.requests.clear()

    result = backfill()

    assert len(github.requests) <= 2
    assert result.not_modified and result.requests_sent == 1
    assert "If-None-Match" in github.requests[0][1]
    assert list(PullRequest.objects.order_by("number").values()) == before


def test_a_rerun_reads_only_the_prs_updated_since(github, backfill):
    for number in range(1, 4):
        add_merged(github, number, updated_day=10 + number)
    backfill()
    github.pulls[0].update(updated_at=at(20), title="Renamed")
    github.requests.clear()

    result = backfill()

    assert PullRequest.objects.get(number=1).title == "Renamed"
    assert github.requests_to("/pulls/1/") and not github.requests_to("/pulls/2/")
    # The list, PR 1's reviews and commits, and PR 3 (the old mark, read again).
    assert result.pull_requests_read == 2


def test_since_stops_at_older_prs(github, backfill):
    add_merged(github, 1, updated_day=3)
    add_merged(github, 2, updated_day=20)

    backfill(since=moment(10))

    assert list(PullRequest.objects.values_list("number", flat=True)) == [2]


def test_a_run_reaching_further_back_than_since_reads_the_older_prs(github, backfill):
    add_merged(github, 1, updated_day=3)
    add_merged(github, 2, updated_day=20)
    backfill(since=moment(10))

    assert backfill(since=moment(1)).pull_requests_read == 2

    assert sorted(PullRequest.objects.values_list("number", flat=True)) == [1, 2]
    assert GitHubSyncState.objects.get().covered_since == moment(1)
    assert backfill().pull_requests_read == 2
    assert backfill().not_modified


def test_it_waits_for_the_rate_limit_reset(github, backfill, sleeps):
    add_merged(github, 1, updated_day=11)
    reset = int(time.time()) + 120
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
    github.faults.append(Fault("/pulls?", 403, headers, message="API rate limit exceeded"))

    backfill()

    assert len(sleeps) == 1 and 115 <= sleeps[0] <= 122
    assert PullRequest.objects.filter(number=1).exists()


def test_it_waits_before_asking_again_once_the_budget_is_spent(github, backfill, sleeps):
    add_merged(github, 1, updated_day=11)
    github.rate_limit_remaining, github.rate_limit_reset = 0, int(time.time()) + 60

    backfill()

    # The list, reviews, commits and the merge commit: a wait before each but the first.
    assert len(github.requests) == 4 and len(sleeps) == 3
    assert all(55 <= seconds <= 62 for seconds in sleeps)


@pytest.mark.parametrize("status", [403, 429])
def test_it_backs_off_as_a_secondary_limit_asks(github, backfill, sleeps, status):
    add_merged(github, 1, updated_day=11)
    message = "You have exceeded a secondary rate limit."
    github.faults.append(Fault("/reviews", status, {"Retry-After": "30"}, message=message))

    backfill()

    assert sleeps == [30]
    assert PullRequest.objects.filter(number=1).exists()


def test_a_forbidden_answer_that_is_no_rate_limit_is_an_error(github, backfill, sleeps):
    add_merged(github, 1, updated_day=11)
    github.faults.append(Fault("/pulls?", 403, message="Resource not accessible by token"))

    with pytest.raises(GitHubApiError, match="403: Resource not accessible by token"):
        backfill()
    assert sleeps == []


def test_it_retries_a_server_error_then_succeeds(github, backfill):
    add_merged(github, 1, updated_day=11)
    github.faults.append(Fault("/commits?", 502, times=2))

    result = backfill()

    assert PullRequest.objects.get(number=1).commits.count() == 2
    assert len(github.requests_to("/pulls/1/commits")) == 3
    assert result.requests_sent == len(github.requests)


def test_exhausted_server_errors_are_a_clear_error_and_no_half_written_pr(github, backfill):
    add_merged(github, 1, updated_day=11)
    add_merged(github, 2, updated_day=12)
    github.faults.append(Fault("/pulls/1/commits", 502, times=None, message="Bad gateway"))

    with pytest.raises(GitHubApiError, match="answered 502 4 times: Bad gateway"):
        backfill()

    assert list(PullRequest.objects.values_list("number", flat=True)) == [2]
    state = GitHubSyncState.objects.get()
    assert "502" in state.last_error and state.lease_token == ""


def test_a_refused_token_is_a_clear_error(github, backfill):
    with pytest.raises(GitHubTokenRefused, match="the token was refused: Bad credentials"):
        backfill(token="ghp_revoked")
    assert "the token was refused" in GitHubSyncState.objects.get().last_error


def test_a_title_longer_than_its_column_is_truncated(github, backfill):
    add_merged(github, 1, updated_day=11, title="x" * 1500)

    backfill()

    assert PullRequest.objects.get(number=1).title == "x" * 500


def test_a_closed_unmerged_pr_keeps_no_test_merge_commit(github, backfill):
    github.add(pull(7, updated_at=at(11), merge_commit_sha=make_sha("test-merge")))

    result = backfill()

    pull_request = PullRequest.objects.get(number=7)
    assert (pull_request.state, pull_request.merge_commit_sha) == ("closed", "")
    assert pull_request.merged_at is None and result.merged_written == 0
    assert github.requests_to("/pulls/7/") == []


def test_first_review_skips_the_author_bots_and_pending_reviews(github, backfill):
    reviews = [
        review("octocat", submitted_at=at(3, 9), state="COMMENTED"),
        review("dependabot[bot]", submitted_at=at(3, 10), kind="Bot"),
        review("renovate", submitted_at=at(3, 11)),
        review("hubot", submitted_at=None, state="PENDING"),
        review("monalisa", submitted_at=at(4, 15), state="CHANGES_REQUESTED"),
        review("hubot", submitted_at=at(5, 9)),
    ]
    add_merged(github, 1, updated_day=11, author="octocat", reviews=reviews)

    backfill()

    assert PullRequest.objects.get(number=1).first_review_at == moment(4, 15)


def test_an_older_snapshot_never_overwrites_newer_state(github, backfill, organization):
    add_merged(github, 1, updated_day=11, title="Newer")
    backfill()
    github.pulls[0].update(updated_at=at(10), title="Older")
    GitHubSyncState.objects.update(first_page_etag="", updated_at_mark=None)

    backfill()

    assert PullRequest.objects.get(number=1).title == "Newer"


def test_a_second_run_of_a_repository_is_refused_while_one_holds_it(github, backfill):
    add_merged(github, 1, updated_day=11)
    backfill()
    claimed_until = timezone.now() + timedelta(minutes=5)
    GitHubSyncState.objects.update(lease_token="other", lease_expires_at=claimed_until)

    with pytest.raises(GitHubBackfillBusy, match="another backfill of acme/web is running"):
        backfill()


def test_a_crashed_backfill_resumes_from_its_saved_cursor(github, backfill):
    github.page_size = 2
    for number in range(1, 6):
        add_merged(github, number, updated_day=10 + number)
    github.faults.append(Fault("page=2", 502, times=None))
    with pytest.raises(GitHubApiError):
        backfill()
    assert sorted(PullRequest.objects.values_list("number", flat=True)) == [4, 5]
    assert "page=2" in GitHubSyncState.objects.get().next_page_url
    github.faults.clear()
    github.requests.clear()

    result = backfill()

    assert result.resumed
    assert "page=2" in github.requests[0][0]
    assert github.requests_to("/pulls/5/") == []
    assert sorted(PullRequest.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5]
    state = GitHubSyncState.objects.get()
    assert (state.next_page_url, state.updated_at_mark) == ("", moment(15))
    assert state.pull_requests_done == 5
    github.requests.clear()
    assert backfill().not_modified


def test_a_pr_that_cannot_be_read_is_skipped_and_reported(github, backfill):
    add_merged(github, 1, updated_day=11)
    github.add(pull(2, updated_at=at(12), merged_at=at(12, 10), merge_commit_sha="not-a-sha"))
    github.commits[1][0]["commit"]["message"] = "Fix\0 it"

    result = backfill()

    assert list(PullRequest.objects.values_list("number", flat=True)) == [1]
    assert Commit.objects.filter(message="Fix it").exists()
    assert result.skipped == ["#2: pull_request.merge_commit_sha: is not a 40-character SHA"]
    assert GitHubSyncState.objects.get().last_error.startswith(
        "skipped #2: pull_request.merge_commit_sha"
    )
