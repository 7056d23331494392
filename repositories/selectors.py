from django.db.models import Count, Max, QuerySet

from organizations.models import ContributorIdentity, Organization
from repositories.models import GitHubWebhook, GitLabWebhook, Repository, WebhookDelivery
from repositories.sync_models import GitHubApiToken, GitHubSyncState, GitLabApiToken


def gitlab_webhook_for_path_token(*, path_token: str) -> GitLabWebhook | None:
    return (
        GitLabWebhook.objects.select_related("organization").filter(path_token=path_token).first()
    )


def gitlab_webhook_for_organization(*, organization: Organization) -> GitLabWebhook | None:
    """The organization's GitLab webhook with last_delivery_at and delivery_count."""
    return (
        GitLabWebhook.objects.filter(organization=organization)
        .select_related("created_by")
        .annotate(
            last_delivery_at=Max("deliveries__received_at"), delivery_count=Count("deliveries")
        )
        .first()
    )


def github_webhook_for_path_token(*, path_token: str) -> GitHubWebhook | None:
    return (
        GitHubWebhook.objects.select_related("organization").filter(path_token=path_token).first()
    )


def github_webhook_for_organization(*, organization: Organization) -> GitHubWebhook | None:
    """The organization's webhook with last_delivery_at and delivery_count, for the card."""
    return (
        GitHubWebhook.objects.filter(organization=organization)
        .annotate(
            last_delivery_at=Max("deliveries__received_at"), delivery_count=Count("deliveries")
        )
        .first()
    )


def pushed_delivery_bodies(
    *, repository: Repository, branch: str, event: str = "push"
) -> list[str]:
    """Raw bodies of the push deliveries (GitHub's "push", GitLab's "Push Hook") to one
    branch, oldest first."""
    return list(
        WebhookDelivery.objects.filter(
            repository=repository, event=event, ref=f"refs/heads/{branch}"
        )
        .order_by("received_at")
        .values_list("raw_body", flat=True)
    )


def login_is_marked_bot(*, organization: Organization, login: str) -> bool:
    """Whether an admin flagged the contributor behind this login as a bot."""
    return ContributorIdentity.objects.filter(
        organization=organization,
        kind=ContributorIdentity.Kind.LOGIN,
        value=login.lower(),
        contributor__is_bot=True,
    ).exists()


def github_sync_states(*, organization: Organization) -> QuerySet[GitHubSyncState]:
    """Where each GitHub repository's history backfill stands, for the card."""
    return (
        GitHubSyncState.objects.filter(
            organization=organization, repository__host=Repository.Host.GITHUB
        )
        .select_related("repository")
        .order_by("repository__full_name")
    )


def github_api_token_for(*, organization: Organization) -> GitHubApiToken | None:
    """The stored token's facts for the card (the token itself is never rendered)."""
    return (
        GitHubApiToken.objects.filter(organization=organization)
        .select_related("created_by")
        .defer("token")
        .first()
    )


def gitlab_sync_states(*, organization: Organization) -> QuerySet[GitHubSyncState]:
    """Where each GitLab project's history backfill stands, for the card."""
    return (
        GitHubSyncState.objects.filter(
            organization=organization, repository__host=Repository.Host.GITLAB
        )
        .select_related("repository")
        .order_by("repository__full_name")
    )


def gitlab_api_token_for(*, organization: Organization) -> GitLabApiToken | None:
    """The stored token's facts for the card (the token itself is never rendered)."""
    return (
        GitLabApiToken.objects.filter(organization=organization)
        .select_related("created_by")
        .defer("token")
        .first()
    )
