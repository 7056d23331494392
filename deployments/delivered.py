"""A code host's successful deployment, delivered by its webhook (GitHub's deployment_status,
GitLab's Deployment Hook), recorded like a POST: through deployment_record, whose dedupe
makes a redelivered event a second receipt of the same deployment, the delivery being the
receipt. Text is cut to its columns; nothing a host sends is a test or tagged."""

from datetime import datetime

from config.fields import column_fitted
from deployments.models import Deployment, DeploymentReceipt
from deployments.recording import deployment_record
from organizations.models import Organization
from repositories.models import Repository, WebhookDelivery
from repositories.webhooks import Applied


def delivered_deployment_record(
    *,
    organization: Organization,
    delivery: WebhookDelivery,
    repository: Repository,
    sha: str,
    environment: str,
    deployed_at: datetime,
    title: str,
) -> Applied:
    result = deployment_record(
        organization=organization,
        request_id=column_fitted(DeploymentReceipt, "request_id", delivery.delivery_id),
        raw_body=delivery.raw_body,
        received_at=delivery.received_at,
        shas=[sha],
        environment_name=column_fitted(Deployment, "environment_name", environment),
        deployed_at=deployed_at,
        title=column_fitted(Deployment, "title", title),
        tags=(),
        is_test=False,
    )
    detail = f"deployment {result.deployment.pk} to {result.deployment.environment_name} recorded"
    return Applied(detail=detail, repository=repository)
