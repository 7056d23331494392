"""Connecting an organization's GitLab webhook: create, regenerate its secret token, turn
deployments from it on or off, disconnect."""

from django.db import transaction
from django.utils import timezone

from organizations.models import Organization
from repositories.models import GitLabWebhook
from repositories.services import webhook_credentials


@transaction.atomic
def gitlab_webhook_connect(
    *, organization: Organization, created_by=None
) -> tuple[GitLabWebhook, bool]:
    """(webhook, created). Connecting twice keeps the first webhook and its secret."""
    return GitLabWebhook.objects.get_or_create(
        organization=organization, defaults={"created_by": created_by, **webhook_credentials()}
    )


@transaction.atomic
def gitlab_webhook_regenerate_secret(*, webhook: GitLabWebhook) -> GitLabWebhook:
    """A new secret token (the URL stays, so only the token changes in GitLab)."""
    webhook.secret = webhook_credentials()["secret"]
    webhook.secret_rotated_at = timezone.now()
    webhook.save(update_fields=["secret", "secret_rotated_at"])
    return webhook


@transaction.atomic
def gitlab_deployments_set(*, webhook: GitLabWebhook, enabled: bool) -> GitLabWebhook:
    """Whether Deployment Hook deliveries with status success become deployments."""
    webhook.deployments_enabled = enabled
    webhook.save(update_fields=["deployments_enabled"])
    return webhook


@transaction.atomic
def gitlab_webhook_disconnect(*, webhook: GitLabWebhook) -> None:
    """Deletes the webhook: its URL stops answering. Stored deliveries are kept."""
    webhook.delete()
