"""GitLab deployment events as a source of deployments, opt-in per organization (its GitLab
webhook's deployments_enabled).

A Deployment Hook with status success is recorded like a POST, through deployment_record,
exactly as GitHub's deployment statuses are (deployments/github_deployments.py): the
deployment's environment, its commit's SHA (the full one from commit_url, else short_sha),
status_changed_at as deployedAt, the commit title as title. Other statuses (running, failed,
canceled) are stored, not recorded.
"""

from deployments.delivered import delivered_deployment_record
from organizations.models import Organization
from repositories.gitlab import DeploymentData, deployment_hook_parse
from repositories.gitlab_webhooks import DEPLOYMENT_HOOK, project_repository
from repositories.models import WebhookDelivery
from repositories.webhooks import Applied, handler_register

RECORDED_STATUS = "success"


def gitlab_deployment_apply(
    organization: Organization, data: DeploymentData, delivery: WebhookDelivery
) -> Applied:
    """Records a successful deployment of an organization that turned the source on; dedupe
    is deployment_record's, so a redelivered event is a second receipt."""
    if not delivery.gitlab_webhook.deployments_enabled:
        detail = "GitLab deployments are off for this organization (turn them on in Configure)"
        return Applied(detail=detail, ignored=True)
    if data.status != RECORDED_STATUS:
        return Applied(detail=f"deployment {data.status} is not recorded", ignored=True)
    return delivered_deployment_record(
        organization=organization,
        delivery=delivery,
        repository=project_repository(organization, data.project),
        sha=data.sha,
        environment=data.environment,
        deployed_at=data.status_changed_at,
        title=data.title,
    )


def gitlab_webhook_handler_register() -> None:
    """Called once from DeploymentsConfig.ready."""
    handler_register(
        DEPLOYMENT_HOOK,
        actions=None,
        parse=deployment_hook_parse,
        apply=gitlab_deployment_apply,
        host="gitlab",
    )
