"""GitHub deployment statuses as a source of deployments, opt-in per organization.

A deployment_status delivery with state success is recorded like a POST, through
deployment_record: the status's environment, the deployment's SHA, the status's created_at
as deployedAt, the deployment's description as title. Other states are stored, not recorded.
"""

from config.fields import column_fitted
from deployments.models import Deployment, DeploymentReceipt
from deployments.recording import deployment_record
from organizations.models import Organization
from repositories.github import (
    DEPLOYMENT_STATUS_ACTIONS,
    DeploymentStatusData,
    deployment_status_parse,
)
from repositories.models import WebhookDelivery
from repositories.services import repository_ensure
from repositories.webhooks import Applied, handler_register

RECORDED_STATE = "success"


def github_deployment_status_apply(
    organization: Organization, data: DeploymentStatusData, delivery: WebhookDelivery
) -> Applied:
    """Records a successful deployment status of an organization that turned the source on;
    dedupe is deployment_record's, so a redelivered status is a second receipt."""
    if not organization.github_deployments_enabled:
        detail = "GitHub deployments are off for this organization (turn them on in Settings)"
        return Applied(detail=detail, ignored=True)
    if data.state != RECORDED_STATE:
        return Applied(detail=f"deployment_status {data.state} is not recorded", ignored=True)
    repository = repository_ensure(organization=organization, full_name=data.repository_full_name)
    result = deployment_record(
        organization=organization,
        request_id=column_fitted(DeploymentReceipt, "request_id", delivery.delivery_id),
        raw_body=delivery.raw_body,
        received_at=delivery.received_at,
        shas=[data.sha],
        environment_name=column_fitted(Deployment, "environment_name", data.environment),
        deployed_at=data.created_at,
        title=column_fitted(Deployment, "title", data.description),
        tags=(),
        is_test=False,
    )
    detail = f"deployment {result.deployment.pk} to {result.deployment.environment_name} recorded"
    return Applied(detail=detail, repository=repository)


def webhook_handler_register() -> None:
    """Called once from DeploymentsConfig.ready."""
    handler_register(
        "deployment_status",
        actions=DEPLOYMENT_STATUS_ACTIONS,
        parse=deployment_status_parse,
        apply=github_deployment_status_apply,
    )
