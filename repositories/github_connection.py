"""An organization's GitHub API access: the token an admin pasted (checked with GitHub, then
stored encrypted), the repositories it reaches, which of them the background worker keeps in
sync, and the sync of one tracked repository (what the worker's job runs)."""

import logging
import os
import re
from dataclasses import dataclass

from django.db import transaction

from organizations.models import Organization
from repositories.github_api import GitHubApiError, GitHubClient, GitHubTokenRefused
from repositories.github_backfill import BackfillResult, GitHubBackfillBusy, github_backfill_run
from repositories.models import REPOSITORY_FULL_NAME, Repository
from repositories.services import repository_ensure
from repositories.sync_models import GitHubApiToken, GitHubSyncState

logger = logging.getLogger(__name__)

# The pick list stops here: an account that reaches more repositories is rare, and every
# hundred costs a GitHub request each time the page opens.
REPOSITORIES_LISTED = 1000
_FULL_NAME = re.compile(REPOSITORY_FULL_NAME)


class GitHubTokenMissing(GitHubApiError):
    pass


@dataclass(frozen=True)
class VisibleRepository:
    full_name: str
    private: bool
    tracked: bool


def github_token_for(organization: Organization) -> str:
    """The token a backfill of this organization reads GitHub with: GITHUB_TOKEN when it is
    set (a command run's explicit choice), otherwise the one an admin stored."""
    token = os.environ.get("GITHUB_TOKEN", "").strip()
    if token:
        return token
    stored = GitHubApiToken.objects.filter(organization=organization).first()
    if stored is None:
        raise GitHubTokenMissing(
            "no GitHub token: paste one on the Integrations page, or set GITHUB_TOKEN to a "
            "token that can read the repository's pull requests (a fine-grained token with "
            "Pull requests: read and Contents: read, or a classic token with repo)"
        )
    return stored.token


def github_token_connect(*, organization: Organization, token: str, created_by) -> GitHubApiToken:
    """Checks the token with GitHub (GET /user), then stores it, replacing any earlier one.
    Raises GitHubTokenRefused (401) or GitHubApiError, storing nothing."""
    token = token.strip()
    if not token:
        raise GitHubTokenRefused("the token is empty")
    login = GitHubClient(token=token).user_login()
    stored, _ = GitHubApiToken.objects.update_or_create(
        organization=organization,
        defaults={"token": token, "login": login[:100], "created_by": created_by},
    )
    return stored


@transaction.atomic
def github_token_disconnect(*, organization: Organization) -> None:
    """Deletes the stored token and stops tracking; the history already read stays."""
    GitHubApiToken.objects.filter(organization=organization).delete()
    GitHubSyncState.objects.filter(
        organization=organization, repository__host=Repository.Host.GITHUB
    ).update(tracked=False)


def github_repositories_visible(
    *, organization: Organization
) -> tuple[list[VisibleRepository], bool]:
    """The repositories the stored token reaches (up to REPOSITORIES_LISTED, and whether
    there were more), each marked when it is tracked already."""
    stored = GitHubApiToken.objects.filter(organization=organization).first()
    if stored is None:
        raise GitHubTokenMissing("no GitHub token is stored")
    items, more = GitHubClient(token=stored.token).repositories_visible(limit=REPOSITORIES_LISTED)
    tracked = set(
        GitHubSyncState.objects.filter(organization=organization, tracked=True).values_list(
            "repository__full_name", flat=True
        )
    )
    names = [str(item.get("full_name", "")) for item in items if isinstance(item, dict)]
    private = {str(item.get("full_name", "")): bool(item.get("private")) for item in items}
    visible = [
        VisibleRepository(full_name=name, private=private[name], tracked=name in tracked)
        for name in names
        if _FULL_NAME.match(name)
    ]
    return visible, more


@transaction.atomic
def github_repositories_track(
    *, organization: Organization, full_names: list[str]
) -> list[Repository]:
    """Tracks the repositories and queues a sync of each, in the same transaction (the job
    is a row of procrastinate's table), so a tracked repository is never left unqueued."""
    from repositories.tasks import github_sync_defer  # the tasks module imports this one

    repositories = []
    for full_name in dict.fromkeys(full_names):
        repository = repository_ensure(organization=organization, full_name=full_name)
        GitHubSyncState.objects.update_or_create(
            repository=repository,
            defaults={"organization_id": organization.pk, "tracked": True},
        )
        github_sync_defer(repository_id=repository.pk)
        repositories.append(repository)
    return repositories


def github_repository_untrack(*, organization: Organization, repository_id: int) -> bool:
    return bool(
        GitHubSyncState.objects.filter(
            organization=organization, repository_id=repository_id, tracked=True
        ).update(tracked=False)
    )


def tracked_repository_ids() -> list[int]:
    """Every tracked GitHub repository of an organization that has a token stored."""
    return list(
        GitHubSyncState.objects.filter(
            tracked=True,
            organization__github_api_token__isnull=False,
            repository__host=Repository.Host.GITHUB,
        ).values_list("repository_id", flat=True)
    )


def github_tracked_sync_run(*, repository_id: int) -> BackfillResult | None:
    """One sync of a tracked repository with the stored token. GitHubApiError propagates for
    the job to retry (the run resumes from its cursor); a refused or missing token and a run
    already under way end the job, as trying again would change nothing."""
    state = (
        GitHubSyncState.objects.select_related("repository__organization")
        .filter(repository_id=repository_id, tracked=True)
        .first()
    )
    if state is None:
        return None
    repository = state.repository
    try:
        token = github_token_for(repository.organization)
    except GitHubTokenMissing as error:
        GitHubSyncState.objects.filter(pk=state.pk).update(last_error=str(error))
        return None
    try:
        result = github_backfill_run(
            organization=repository.organization, full_name=repository.full_name, token=token
        )
    except (GitHubBackfillBusy, GitHubTokenRefused) as error:
        # The refusal is the state's last_error already, shown on the card.
        logger.warning("GitHub sync of %s stopped: %s", repository.full_name, error)
        return None
    logger.info(
        "GitHub sync of %s: %s pull requests read, %s GitHub requests",
        repository.full_name,
        result.pull_requests_read,
        result.requests_sent,
    )
    return result
