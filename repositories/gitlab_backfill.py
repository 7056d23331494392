"""Backfill of a GitLab project's merged merge requests, their commits and their reviews from
GitLab's REST API v4: GitLab's HistorySource for the shared machinery
(repositories.history_backfill: the cursor, the lease, resuming, the high-water mark).

Merged MRs are listed newest-updated first (`state=merged&order_by=updated_at&sort=desc`);
for each one its commits, its notes (the reviews: `gitlab.note_counts_as_review`) and, when
Shiplog does not know them, the commits that landed it (merge or squash commit).
"""

import os
import time
from collections.abc import Callable
from datetime import datetime

from organizations.models import Organization
from repositories import gitlab_rest
from repositories.gitlab_api import GitLabClient
from repositories.history_backfill import (
    BackfillResult,
    PullRequestHistory,
    backfill_run,
    pull_request_history_write,
)
from repositories.models import GitLabApiToken, PullRequest, Repository
from repositories.payload_fields import field
from repositories.rest_client import ApiError, NotFound
from repositories.services import CodeHost, commit_ids_by_sha, repository_ensure

PER_PAGE = 100


class GitLabTokenMissing(ApiError):
    pass


def gitlab_token_for(organization: Organization) -> str:
    """GITLAB_TOKEN when it is set (a command run's explicit choice), else the stored one."""
    token = os.environ.get("GITLAB_TOKEN", "").strip()
    if token:
        return token
    stored = GitLabApiToken.objects.filter(organization=organization).first()
    if stored is None:
        raise GitLabTokenMissing(
            "no GitLab token: set GITLAB_TOKEN (or store one for the organization) to a "
            "personal, group or project access token with read_api"
        )
    return stored.token


def gitlab_backfill_run(
    *,
    organization: Organization,
    full_name: str,
    token: str,
    since: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    web_url: str | None = None,
) -> BackfillResult:
    """Brings the project's merged MRs up to date (history_backfill.backfill_run) from
    SHIPLOG_GITLAB_URL (or `web_url`)."""
    probe = GitLabClient(token=token, web_url=web_url)
    host = CodeHost(kind=Repository.Host.GITLAB, url=probe.web_url)
    return backfill_run(
        repository=repository_ensure(organization=organization, full_name=full_name, host=host),
        client_for=lambda renewing_sleep: GitLabClient(
            token=token, web_url=probe.web_url, sleep=renewing_sleep
        ),
        source=GitLabHistory(),
        since=since,
        progress=progress,
        sleep=sleep,
    )


class GitLabHistory:
    """GitLab's side of the backfill."""

    def first_url(self, client: GitLabClient, repository: Repository) -> str:
        return client.project_url(
            repository.full_name,
            "/merge_requests",
            state="merged",
            order_by="updated_at",
            sort="desc",
            per_page=PER_PAGE,
        )

    def updated_at(self, item: dict) -> datetime:
        return gitlab_rest.merge_request_updated_at(item)

    def history_fetch(self, repository, client: GitLabClient, item) -> PullRequestHistory:
        merge_request = gitlab_rest.merge_request_from_rest(
            full_name=repository.full_name, web_url=repository.html_url, item=item
        )
        data = merge_request.pull_request
        if data.state != PullRequest.State.MERGED:
            return PullRequestHistory(data=data, reviews=[], commits=[], landing=[])
        base = f"/merge_requests/{data.number}"
        commits = [
            gitlab_rest.commit_from_rest(commit)
            for commit in client.all(
                client.project_url(repository.full_name, f"{base}/commits", per_page=PER_PAGE)
            )
        ]
        notes = client.all(
            client.project_url(
                repository.full_name,
                f"{base}/notes",
                sort="asc",
                order_by="created_at",
                per_page=PER_PAGE,
            )
        )
        author_id = field({"mr": item}, "mr.author.id", int, required=False)
        landing_shas = [data.merge_commit_sha, *merge_request.landing_shas]
        return PullRequestHistory(
            data=data,
            reviews=gitlab_rest.reviews_from_notes(notes=notes, author_id=author_id),
            commits=commits,
            landing=_landing_commits_fetch(repository, client, landing_shas, commits),
            landing_members=merge_request.landing_shas,
            merge_commit_corrects=not merge_request.landing_is_head,
        )

    def history_write(self, repository, history: PullRequestHistory) -> bool:
        return pull_request_history_write(repository=repository, history=history)


def _landing_commits_fetch(repository, client: GitLabClient, shas: list[str], commits) -> list:
    # A deployment usually carries the merge (or squash) commit, not one of the MR's
    # commits: fetched unless already known, so the deployment finds its commit and author.
    known = {commit.sha for commit in commits}
    known.update(commit_ids_by_sha(repository=repository, shas=shas))
    found = []
    for sha in dict.fromkeys(shas):
        if sha in known:
            continue
        url = client.project_url(repository.full_name, f"/repository/commits/{sha}")
        try:
            found.append(gitlab_rest.commit_from_rest(client.get(url)))
        except NotFound:
            continue
    return found
