"""Backfill of a repository's merged pull requests, reviews and commits from GitHub's REST
API: GitHub's HistorySource for the shared machinery (repositories.history_backfill: the
cursor, the lease, resuming, the high-water mark).

Closed PRs are listed newest-updated first (`state=closed&sort=updated&direction=desc`);
for each merged one its reviews, its commits and, when unknown, its merge (or squash) commit.
A re-run of an unchanged repository costs one conditional request (the first page's ETag,
answered 304).
"""

import time
from collections.abc import Callable
from datetime import datetime

from organizations.models import Organization
from repositories import github_rest
from repositories.github_api import GitHubClient, GitHubNotFound
from repositories.history_backfill import (
    BackfillBusy,
    BackfillResult,
    PullRequestHistory,
    backfill_run,
    pull_request_history_write,
)
from repositories.models import PullRequest, Repository
from repositories.services import (
    PullRequestData,
    commit_ids_by_sha,
    repository_ensure,
)

PER_PAGE = 100
# Its callers' names for the shared machinery's.
GitHubBackfillBusy = BackfillBusy
__all__ = ["BackfillResult", "GitHubBackfillBusy", "github_backfill_run"]


def github_backfill_run(
    *,
    organization: Organization,
    full_name: str,
    token: str,
    since: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> BackfillResult:
    """Brings the repository's merged PRs up to date (history_backfill.backfill_run)."""
    return backfill_run(
        repository=repository_ensure(organization=organization, full_name=full_name),
        client_for=lambda renewing_sleep: GitHubClient(token=token, sleep=renewing_sleep),
        source=GitHubHistory(),
        since=since,
        progress=progress,
        sleep=sleep,
    )


class GitHubHistory:
    """GitHub's side of the backfill."""

    def first_url(self, client: GitHubClient, repository: Repository) -> str:
        return client.url(
            f"/repos/{repository.full_name}/pulls",
            state="closed",
            sort="updated",
            direction="desc",
            per_page=PER_PAGE,
        )

    def updated_at(self, item: dict) -> datetime:
        return github_rest.pull_request_updated_at(item)

    def history_fetch(self, repository, client, item) -> PullRequestHistory:
        return _history_fetch(repository, client, item)

    def history_write(self, repository, history: PullRequestHistory) -> bool:
        return pull_request_history_write(repository=repository, history=history)


def _history_fetch(repository: Repository, client: GitHubClient, item: dict):
    """Everything about one PR, read before anything is written."""
    data = github_rest.pull_request_from_rest(full_name=repository.full_name, item=item)
    if data.state != PullRequest.State.MERGED:
        return PullRequestHistory(data=data, reviews=[], commits=[], landing=[])
    base = f"/repos/{repository.full_name}/pulls/{data.number}"
    reviews = client.all(client.url(f"{base}/reviews", per_page=PER_PAGE))
    commits = [
        github_rest.commit_from_rest(commit)
        for commit in client.all(client.url(f"{base}/commits", per_page=PER_PAGE))
    ]
    return PullRequestHistory(
        data=data,
        reviews=[github_rest.review_from_rest(review) for review in reviews],
        commits=commits,
        landing=_landing_commit_fetch(repository, client, data, commits),
    )


def _landing_commit_fetch(repository, client, data: PullRequestData, commits) -> list:
    # A deployment usually carries the merge (or squash) commit, which is not one of the PR's
    # commits: fetched unless already known, so the deployment finds its commit and author.
    sha = data.merge_commit_sha
    if sha in {commit.sha for commit in commits} or commit_ids_by_sha(
        repository=repository, shas=[sha]
    ):
        return []
    url = client.url(f"/repos/{repository.full_name}/commits/{sha}")
    try:
        return [github_rest.commit_from_rest(client.get(url))]
    except GitHubNotFound:
        return []
