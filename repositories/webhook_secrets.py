"""A code host's webhook (GitHub's, GitLab's): its unguessable URL token and its secret,
made, regenerated and deleted one way. PagerDuty's URL token is made here too (its secret
is PagerDuty's own)."""

import secrets

from django.db import transaction
from django.utils import timezone

from organizations.models import Organization
from repositories.models import GitHubWebhook


def webhook_path_token() -> str:
    return secrets.token_urlsafe(24)


def webhook_credentials() -> dict[str, str]:
    """A new webhook's unguessable URL token and its secret."""
    return {"path_token": webhook_path_token(), "secret": secrets.token_hex(32)}


@transaction.atomic
def webhook_connect(model, *, organization: Organization, created_by=None) -> tuple[object, bool]:
    """(webhook, created) of `model` (one per organization). Connecting twice keeps the
    first webhook and its secret."""
    return model.objects.get_or_create(
        organization=organization, defaults={"created_by": created_by, **webhook_credentials()}
    )


@transaction.atomic
def webhook_secret_regenerate(webhook):
    """A new secret (the URL stays, so only the secret changes on the code host)."""
    webhook.secret = webhook_credentials()["secret"]
    webhook.secret_rotated_at = timezone.now()
    webhook.save(update_fields=["secret", "secret_rotated_at"])
    return webhook


@transaction.atomic
def webhook_disconnect(webhook) -> None:
    """Deletes the webhook: its URL stops answering. Stored deliveries are kept."""
    webhook.delete()


def github_webhook_connect(
    *, organization: Organization, created_by=None
) -> tuple[GitHubWebhook, bool]:
    return webhook_connect(GitHubWebhook, organization=organization, created_by=created_by)


def github_webhook_regenerate_secret(*, webhook: GitHubWebhook) -> GitHubWebhook:
    return webhook_secret_regenerate(webhook)


def github_webhook_disconnect(*, webhook: GitHubWebhook) -> None:
    webhook_disconnect(webhook)
