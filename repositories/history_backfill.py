"""The machinery of a code-history backfill from a host's REST API, shared by GitHub's
(repositories.github_backfill) and GitLab's (repositories.gitlab_backfill).

A host's `HistorySource` lists the repository's PRs newest-updated first and reads one PR's
history; this module pages through the list until the first PR older than the last finished
run's high-water mark (or `since`). Each PR is fetched first, then written in its own
transaction through repositories.services, so a failure never leaves half a PR. After every
page the cursor (the next page's URL) is saved: a run that crashed resumes there. A re-run of
an unchanged repository costs one request (a conditional one where the host answers 304).

A PR updated while a run is under way moves to the first page, past the run's cursor: its
updated_at is newer than the run's mark, so the next run reads it.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from repositories.models import GitHubSyncState, PullRequest, Repository
from repositories.payload_fields import PayloadError
from repositories.rest_client import ApiError, Page, RestClient
from repositories.services import (
    CommitData,
    PullRequestData,
    PullRequestReviewData,
    commit_data_changed_send,
    commit_ids_by_sha,
    commits_upsert,
    pull_request_commits_add,
    pull_request_merge_commit_correct,
    pull_request_reviews_record,
    pull_request_upsert,
)

# How long a run holds its repository without renewing (each page, each rate-limit wait).
LEASE = timedelta(minutes=15)


class BackfillBusy(ApiError):
    pass


class HistorySource(Protocol):
    """What a host tells the shared backfill: where its list starts, each item's updated_at,
    and how to read (no writes) and then write one PR's history; returns whether it was
    merged. Reading raises PayloadError for a PR that cannot be stored (it is skipped)."""

    def first_url(self, client: RestClient, repository: Repository) -> str: ...

    def updated_at(self, item: dict) -> datetime: ...

    def history_fetch(self, repository: Repository, client: RestClient, item: dict): ...

    def history_write(self, repository: Repository, history) -> bool: ...


@dataclass(frozen=True)
class PullRequestHistory:
    """One PR as a host's API told it, read before anything is written."""

    data: PullRequestData
    reviews: list[PullRequestReviewData]
    commits: list[CommitData]
    # The merge (or squash) commit when it is not one of the PR's commits and is unknown.
    landing: list[CommitData]
    # Other commits that landed the PR (GitLab's squash commit beside its merge commit).
    landing_members: tuple[str, ...] = ()
    # The host's merge commit replaces a stand-in recorded before (GitLab's hooks name the
    # head of a squashed fast-forward merge; its API the squash commit).
    merge_commit_corrects: bool = False


@transaction.atomic
def pull_request_history_write(*, repository: Repository, history: PullRequestHistory) -> bool:
    """Writes one PR's history through the services, in one transaction; True when merged."""
    pull_request = pull_request_upsert(repository=repository, data=history.data)
    if history.data.state != PullRequest.State.MERGED:
        return False
    if history.merge_commit_corrects:
        pull_request_merge_commit_correct(
            pull_request=pull_request, merge_commit_sha=history.data.merge_commit_sha
        )
    new_shas = commits_upsert(repository=repository, commits=history.commits + history.landing)
    member_shas = [commit.sha for commit in history.commits] + list(history.landing_members)
    commit_ids = commit_ids_by_sha(repository=repository, shas=member_shas)
    pull_request_commits_add(
        organization_id=repository.organization_id,
        memberships=[(pull_request.pk, commit_id) for commit_id in commit_ids.values()],
    )
    pull_request_reviews_record(pull_request=pull_request, reviews=history.reviews)
    # The one linking path relinks the deployments carrying any of these, whichever came first.
    commit_data_changed_send(
        organization=repository.organization,
        shas=[*new_shas, *member_shas, pull_request.merge_commit_sha],
    )
    return True


@dataclass
class BackfillResult:
    repository: Repository
    pull_requests_read: int = 0
    merged_written: int = 0
    requests_sent: int = 0
    not_modified: bool = False
    resumed: bool = False
    # "#N: why" for each PR that could not be read (the rest of the run went on).
    skipped: list[str] = field(default_factory=list)


@dataclass
class _Run:
    state: GitHubSyncState
    client: RestClient
    source: HistorySource
    result: BackfillResult
    progress: Callable[[str], None]
    # The first page's ETag, stored once the page it describes has been written.
    first_page_etag: str = ""
    # The run stops at the first PR updated before this (None: reads them all).
    stop_at: datetime | None = None


def backfill_run(
    *,
    repository: Repository,
    client_for: Callable[[Callable[[float], None]], RestClient],
    source: HistorySource,
    since: datetime | None,
    progress: Callable[[str], None] | None,
    sleep: Callable[[float], None],
) -> BackfillResult:
    """Brings the repository's merged PRs up to date; raises ApiError (saved as the state's
    last_error) when the host cannot be read, and BackfillBusy while another run of the same
    repository holds it. `client_for(sleep)` builds the host's client around a sleep that
    renews the run's claim."""
    state = _state_claim(repository)
    run = _Run(
        state=state,
        client=client_for(lambda seconds: _waited(state, seconds, sleep)),
        source=source,
        result=BackfillResult(repository=repository, resumed=bool(state.next_page_url)),
        progress=progress or (lambda _: None),
        first_page_etag=state.first_page_etag,
    )
    try:
        _pages_read(run, since=since)
    except ApiError as error:
        _state_fail(state, error=error)
        raise
    except PayloadError as error:
        _state_fail(state, error=error)
        raise ApiError(f"a pull request the host sent cannot be read: {error}") from error
    finally:
        run.result.requests_sent = run.client.requests_sent
        _state_release(state)
    return run.result


def _stop_at(state: GitHubSyncState, since: datetime | None) -> tuple[datetime | None, bool]:
    """(where a new run stops, whether it reads below the finished runs' mark). A run goes
    down to the mark; to `since` when none finished yet or `since` reaches further back than
    the finished runs did."""
    mark, covered = state.updated_at_mark, state.covered_since
    if mark is None or (covered is not None and (since is None or since < covered)):
        return since, True
    return max(mark, since or mark), False


def _coverage_after(state: GitHubSyncState, stop_at: datetime | None) -> datetime | None:
    """covered_since once a run that stopped at stop_at finished: it read from the newest PR
    down to stop_at, which joins what earlier runs read unless it stopped above their mark."""
    mark, covered = state.updated_at_mark, state.covered_since
    if mark is None or stop_at is None or stop_at > mark:
        return stop_at
    return stop_at if covered is not None and stop_at < covered else covered


def _pages_read(run: _Run, *, since: datetime | None) -> None:
    state, client = run.state, run.client
    resuming = bool(state.next_page_url)
    run.stop_at, below_mark = (
        (state.pending_stop_at, False) if resuming else _stop_at(state, since)
    )
    url = state.next_page_url or run.source.first_url(client, state.repository)
    # A 304 says no PR changed since the last run; a run reaching further back cannot use it.
    page = client.page(url, etag="" if resuming or below_mark else state.first_page_etag)
    if page.not_modified:
        run.result.not_modified = True
        _state_finish(run, covered_since=state.covered_since)
        return
    if not resuming:
        _run_start(run, page)
    while True:
        reached_mark = _page_apply(run, page.items, stop_at=run.stop_at)
        run.progress(f"{state.pull_requests_done:,} of ~{state.pull_requests_estimate:,} PRs")
        if reached_mark or not page.next_url:
            _state_finish(run, covered_since=_coverage_after(state, run.stop_at))
            return
        # The first page's ETag is stored with the first cursor: a run that crashes before
        # it starts again from the top instead of trusting a 304 for a half-written page.
        _state_save(state, next_page_url=page.next_url, first_page_etag=run.first_page_etag)
        page = client.page(page.next_url)


def _run_start(run: _Run, page: Page) -> None:
    state = run.state
    newest = page.items[0] if page.items else None
    state.pending_updated_at_mark = (
        run.source.updated_at(newest) if newest else state.updated_at_mark
    )
    state.pending_stop_at = run.stop_at
    state.pull_requests_done = 0
    # Every page but the last is as long as the first.
    state.pull_requests_estimate = (page.last_page or 1) * len(page.items)
    run.first_page_etag = page.etag


def _page_apply(run: _Run, items: list, *, stop_at: datetime | None) -> bool:
    """Writes the page's PRs; True when it reached one older than stop_at."""
    repository, source = run.state.repository, run.source
    for item in items:
        if stop_at and source.updated_at(item) < stop_at:
            return True
        try:
            history = source.history_fetch(repository, run.client, item)
        except PayloadError as error:
            # One PR that cannot be stored must not stop this run and every later one.
            number = item.get("number", item.get("iid")) if isinstance(item, dict) else "?"
            run.result.skipped.append(f"#{number}: {error}")
        else:
            run.result.merged_written += source.history_write(repository, history)
        run.result.pull_requests_read += 1
        run.state.pull_requests_done += 1
    return False


def _state_claim(repository: Repository) -> GitHubSyncState:
    state, _ = GitHubSyncState.objects.get_or_create(
        repository=repository, defaults={"organization_id": repository.organization_id}
    )
    token, now = secrets.token_hex(16), timezone.now()
    # A conditional UPDATE takes the row lock: of two runs starting at once, one claims it.
    claimed = (
        GitHubSyncState.objects.filter(pk=state.pk)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
        .update(lease_token=token, lease_expires_at=now + LEASE)
    )
    state.refresh_from_db()
    if not claimed:
        raise BackfillBusy(
            f"another backfill of {repository.full_name} is running "
            f"(its claim lasts until {state.lease_expires_at:%Y-%m-%d %H:%M} UTC)"
        )
    return state


def _state_save(state: GitHubSyncState, **fields) -> None:
    """Saves the fields and renews the run's claim; fails if another run took it over."""
    fields.setdefault("lease_expires_at", timezone.now() + LEASE)
    fields.update(
        pull_requests_done=state.pull_requests_done,
        pull_requests_estimate=state.pull_requests_estimate,
        pending_updated_at_mark=state.pending_updated_at_mark,
        pending_stop_at=state.pending_stop_at,
    )
    saved = GitHubSyncState.objects.filter(pk=state.pk, lease_token=state.lease_token).update(
        **fields
    )
    if not saved:
        raise BackfillBusy(f"the backfill of {state.repository} was taken over")
    for key, value in fields.items():
        setattr(state, key, value)


def _state_finish(run: _Run, *, covered_since: datetime | None) -> None:
    state = run.state
    mark = state.pending_updated_at_mark or state.updated_at_mark
    state.pending_updated_at_mark = state.pending_stop_at = None
    skipped = run.result.skipped
    _state_save(
        state,
        first_page_etag=run.first_page_etag,
        updated_at_mark=mark,
        covered_since=covered_since,
        next_page_url="",
        last_error=f"skipped {'; '.join(skipped)}"[:2000] if skipped else "",
        last_synced_at=timezone.now(),
    )


def _state_fail(state: GitHubSyncState, *, error: Exception) -> None:
    # The cursor stays where the last finished page left it: a re-run resumes there.
    GitHubSyncState.objects.filter(pk=state.pk).update(last_error=str(error)[:2000])


def _waited(state: GitHubSyncState, seconds: float, sleep: Callable[[float], None]) -> None:
    # A wait for the host's rate limit can outlast the claim: renew it for the wait first.
    _state_save(state, lease_expires_at=timezone.now() + LEASE + timedelta(seconds=seconds))
    sleep(seconds)


def _state_release(state: GitHubSyncState) -> None:
    GitHubSyncState.objects.filter(pk=state.pk, lease_token=state.lease_token).update(
        lease_token="", lease_expires_at=None
    )
