"""An organization's GitLab API access: the token an admin pasted (checked with GitLab, then
stored encrypted), the projects the background worker keeps in sync, the sync of one tracked
project, and reading the commits of a push beyond the 20 a Push Hook carries (what the
worker's jobs run)."""

import logging
import re

from django.conf import settings
from django.db import transaction

from organizations.models import Organization
from repositories import gitlab, gitlab_rest
from repositories.gitlab_api import GitLabClient
from repositories.gitlab_backfill import GitLabTokenMissing, gitlab_backfill_run, gitlab_token_for
from repositories.history_backfill import BackfillBusy, BackfillResult
from repositories.models import (
    REPOSITORY_FULL_NAME,
    REPOSITORY_FULL_NAME_MESSAGE,
    Repository,
    WebhookDelivery,
)
from repositories.payload_fields import PayloadError, payload_decode
from repositories.rest_client import TokenRefused
from repositories.services import CodeHost, repository_ensure
from repositories.sync_models import GitHubSyncState, GitLabApiToken
from repositories.webhooks import push_commits_apply

logger = logging.getLogger(__name__)
_FULL_NAME = re.compile(REPOSITORY_FULL_NAME)
NO_COMMIT = "0" * 40
PER_PAGE = 100


class GitLabProjectInvalid(ValueError):
    pass


def gitlab_token_connect(*, organization: Organization, token: str, created_by=None):
    """Checks the token with GitLab (GET /user) and stores it encrypted, replacing any
    earlier one; raises TokenRefused (nothing stored) or ApiError."""
    token = token.strip()
    if not token:
        raise TokenRefused("the token is empty")
    username = GitLabClient(token=token).username()
    stored, _ = GitLabApiToken.objects.update_or_create(
        organization=organization,
        defaults={"token": token, "username": username[:255], "created_by": created_by},
    )
    return stored


@transaction.atomic
def gitlab_token_disconnect(*, organization: Organization) -> None:
    """Deletes the stored token and stops tracking; the history already read stays."""
    GitLabApiToken.objects.filter(organization=organization).delete()
    _gitlab_states(organization=organization).update(tracked=False)


def _gitlab_states(**filters):
    return GitHubSyncState.objects.filter(repository__host=Repository.Host.GITLAB, **filters)


@transaction.atomic
def gitlab_project_track(*, organization: Organization, full_name: str) -> Repository:
    """Tracks the project of SHIPLOG_GITLAB_URL and queues its sync in the same transaction."""
    from repositories.tasks import gitlab_sync_defer  # the tasks module imports this one

    full_name = full_name.strip().strip("/")
    if not _FULL_NAME.match(full_name):
        raise GitLabProjectInvalid(f"{full_name!r} {REPOSITORY_FULL_NAME_MESSAGE}")
    host = CodeHost(kind=Repository.Host.GITLAB, url=settings.SHIPLOG_GITLAB_URL)
    repository = repository_ensure(organization=organization, full_name=full_name, host=host)
    GitHubSyncState.objects.update_or_create(
        repository=repository, defaults={"organization_id": organization.pk, "tracked": True}
    )
    gitlab_sync_defer(repository_id=repository.pk)
    return repository


def gitlab_project_untrack(*, organization: Organization, repository_id: int) -> bool:
    return bool(
        _gitlab_states(
            organization=organization, repository_id=repository_id, tracked=True
        ).update(tracked=False)
    )


def gitlab_tracked_repository_ids() -> list[int]:
    """Every tracked GitLab project of an organization that has a GitLab token stored."""
    return list(
        _gitlab_states(tracked=True, organization__gitlab_api_token__isnull=False).values_list(
            "repository_id", flat=True
        )
    )


def gitlab_tracked_sync_run(*, repository_id: int) -> BackfillResult | None:
    """One sync of a tracked project with the stored token. ApiError propagates for the job
    to retry (the run resumes from its cursor); a refused or missing token and a run under
    way end the job, as trying again would change nothing."""
    state = (
        _gitlab_states(repository_id=repository_id, tracked=True)
        .select_related("repository__organization")
        .first()
    )
    if state is None:
        return None
    repository = state.repository
    try:
        token = gitlab_token_for(repository.organization)
        # The stored token goes to SHIPLOG_GITLAB_URL only, never to a host a payload named.
        result = gitlab_backfill_run(
            organization=repository.organization, full_name=repository.full_name, token=token
        )
    except GitLabTokenMissing as error:
        GitHubSyncState.objects.filter(pk=state.pk).update(last_error=str(error))
        return None
    except (BackfillBusy, TokenRefused) as error:
        logger.warning("GitLab sync of %s stopped: %s", repository.full_name, error)
        return None
    logger.info(
        "GitLab sync of %s: %s merge requests read, %s GitLab requests",
        repository.full_name,
        result.pull_requests_read,
        result.requests_sent,
    )
    return result


def gitlab_push_commits_fetch(*, delivery_id: int) -> str:
    """Reads every commit of a stored Push Hook from GitLab's API (the hook carries the newest
    20) and records them like the hook's own; what it did, also kept as the delivery's detail.
    ApiError propagates for the job to retry."""
    delivery = WebhookDelivery.objects.select_related("organization").get(pk=delivery_id)
    try:
        payload = payload_decode(delivery.raw_body.encode())
        data = gitlab.push_hook_parse(payload)
    except PayloadError as error:
        return _push_detail(delivery, f"the stored push cannot be read again: {error}")
    try:
        token = gitlab_token_for(delivery.organization)
    except GitLabTokenMissing:
        return _push_detail(delivery, "no GitLab token is stored: the older commits stay unread")
    client = GitLabClient(token=token)
    # The stored token goes to SHIPLOG_GITLAB_URL only, never to a host a payload named.
    if data.project.host.url != client.web_url:
        detail = (
            f"{data.project.host.url} is not SHIPLOG_GITLAB_URL: its older commits stay unread"
        )
        return _push_detail(delivery, detail)
    commits = _pushed_commits(client, data, payload)
    repository = repository_ensure(
        organization=delivery.organization,
        full_name=data.project.full_name,
        host=data.project.host,
    )
    with transaction.atomic():
        applied = push_commits_apply(repository=repository, ref=data.ref, commits=commits)
    return _push_detail(delivery, f"read from GitLab's API: {applied.detail}")


def _pushed_commits(client: GitLabClient, data: gitlab.PushData, payload: dict) -> list:
    before = str(payload.get("before") or NO_COMMIT).lower()
    after = str(payload.get("after") or payload.get("checkout_sha") or "").lower()
    # A new branch has no "before": its newest total_commits_count commits are the push's.
    ref_name = after if before == NO_COMMIT else f"{before}..{after}"
    url = client.project_url(
        data.project.full_name, "/repository/commits", ref_name=ref_name, per_page=PER_PAGE
    )
    items = []
    for page in client.pages(url):
        items.extend(page)
        if len(items) >= data.total_commits_count:
            break
    return [gitlab_rest.commit_from_rest(item) for item in items[: data.total_commits_count]]


def _push_detail(delivery: WebhookDelivery, detail: str) -> str:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(detail=detail[:300])
    return detail


def push_fetch_queue(*, delivery: WebhookDelivery) -> bool:
    """Queues the read of a push's older commits when a GitLab token is stored."""
    from repositories.tasks import gitlab_push_fetch  # the tasks module imports this one

    if not GitLabApiToken.objects.filter(organization_id=delivery.organization_id).exists():
        return False
    gitlab_push_fetch.defer(delivery_id=delivery.pk)
    return True
