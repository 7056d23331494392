"""Background jobs (procrastinate, whose queue is a table of the PostgreSQL we already run):
the sync of one tracked repository, and the periodic pass that queues every tracked one.

`lock` runs one sync per repository at a time (on top of the backfill's own lease);
`queueing_lock` keeps at most one waiting, so a slow backfill does not pile up periodic jobs.
"""

from django.conf import settings
from django.db import transaction
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued

from config.jobs import closing_connections
from repositories.github_api import GitHubApiError
from repositories.github_connection import github_tracked_sync_run, tracked_repository_ids
from repositories.gitlab_sync import (
    gitlab_push_commits_fetch,
    gitlab_tracked_repository_ids,
    gitlab_tracked_sync_run,
)

QUEUE = "github"
# GitHub down or rate limited past the client's own waits: try again after 5 s, 25 s, 2 min
# and 10 min; each try resumes from the saved cursor.
RETRY = RetryStrategy(max_attempts=5, exponential_wait=5, retry_exceptions={GitHubApiError})


@app.task(name="github_repository_sync", queue=QUEUE, retry=RETRY)
@closing_connections
def github_repository_sync(repository_id: int) -> None:
    github_tracked_sync_run(repository_id=repository_id)


@app.task(name="gitlab_project_sync", queue=QUEUE, retry=RETRY)
@closing_connections
def gitlab_project_sync(repository_id: int) -> None:
    gitlab_tracked_sync_run(repository_id=repository_id)


@app.task(name="gitlab_push_fetch", queue=QUEUE, retry=RETRY)
@closing_connections
def gitlab_push_fetch(delivery_id: int) -> None:
    gitlab_push_commits_fetch(delivery_id=delivery_id)


@app.periodic(cron=f"*/{settings.SHIPLOG_GITHUB_SYNC_MINUTES} * * * *", periodic_id="github")
@app.task(name="github_tracked_sync", queue=QUEUE, queueing_lock="github_tracked_sync")
@closing_connections
def github_tracked_sync(timestamp: int) -> None:
    """Queues the sync of every tracked repository, GitHub's and GitLab's."""
    for repository_id in tracked_repository_ids():
        github_sync_defer(repository_id=repository_id)
    for repository_id in gitlab_tracked_repository_ids():
        gitlab_sync_defer(repository_id=repository_id)


@app.periodic(cron="*/10 * * * *", periodic_id="stalled")
@app.task(name="stalled_jobs_retry", queue=QUEUE, queueing_lock="stalled_jobs_retry")
async def stalled_jobs_retry(timestamp: int) -> None:
    """Queues again the jobs of a worker that died (no heartbeat for 30 s) mid-job; without
    this a killed worker's sync would hold its repository's lock for ever (procrastinate's
    documented recipe)."""
    for job in await app.job_manager.get_stalled_jobs():
        await app.job_manager.retry_job(job)


def github_sync_defer(*, repository_id: int) -> bool:
    """Queues a sync of the repository unless one is waiting already; False then."""
    lock = f"github_repository_sync:{repository_id}"
    try:
        # A savepoint: the refused insert must not abort the caller's transaction.
        with transaction.atomic():
            github_repository_sync.configure(lock=lock, queueing_lock=lock).defer(
                repository_id=repository_id
            )
    except AlreadyEnqueued:
        return False
    return True


def gitlab_sync_defer(*, repository_id: int) -> bool:
    """Queues a sync of the GitLab project unless one is waiting already; False then."""
    lock = f"gitlab_project_sync:{repository_id}"
    try:
        with transaction.atomic():
            gitlab_project_sync.configure(lock=lock, queueing_lock=lock).defer(
                repository_id=repository_id
            )
    except AlreadyEnqueued:
        return False
    return True
