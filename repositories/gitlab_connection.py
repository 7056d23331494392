"""Connecting an organization's GitLab webhook: create, regenerate its secret token, turn
deployments from it on or off, disconnect."""

from django.db import transaction

from organizations.models import Organization
from repositories.models import GitLabWebhook
from repositories.webhook_secrets import (
    webhook_connect,
    webhook_disconnect,
    webhook_secret_regenerate,
)


def gitlab_webhook_connect(
    *, organization: Organization, created_by=None
) -> tuple[GitLabWebhook, bool]:
    return webhook_connect(GitLabWebhook, organization=organization, created_by=created_by)


def gitlab_webhook_regenerate_secret(*, webhook: GitLabWebhook) -> GitLabWebhook:
    """A new secret token (the URL stays, so only the token changes in GitLab)."""
    return webhook_secret_regenerate(webhook)


@transaction.atomic
def gitlab_deployments_set(*, webhook: GitLabWebhook, enabled: bool) -> GitLabWebhook:
    """Whether Deployment Hook deliveries with status success become deployments."""
    webhook.deployments_enabled = enabled
    webhook.save(update_fields=["deployments_enabled"])
    return webhook


@transaction.atomic
def gitlab_webhook_disconnect(*, webhook: GitLabWebhook) -> None:
    webhook_disconnect(webhook)
