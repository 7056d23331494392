"""GitHub deployment statuses as a source of deployments, opt-in per organization.

A deployment_status delivery with state success is recorded like a POST, through
deployments.delivered: the status's environment, the deployment's SHA, the status's
created_at as deployedAt, the deployment's description as title. Other states are stored,
not recorded.
"""

from deployments.delivered import delivered_deployment_record
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
    return delivered_deployment_record(
        organization=organization,
        delivery=delivery,
        repository=repository_ensure(
            organization=organization, full_name=data.repository_full_name
        ),
        sha=data.sha,
        environment=data.environment,
        deployed_at=data.created_at,
        title=data.description,
    )


def webhook_handler_register() -> None:
    """Called once from DeploymentsConfig.ready."""
    handler_register(
        "deployment_status",
        actions=DEPLOYMENT_STATUS_ACTIONS,
        parse=deployment_status_parse,
        apply=github_deployment_status_apply,
    )
