from django.db.models import Count, Max, QuerySet
from django.db.models.functions import Lower

from deployments.counting import deployment_counted_q
from deployments.models import Deployment
from incidents.models import Incident, PagerDutyService, PagerDutyWebhook
from organizations.models import Organization


def incident_list(*, organization: Organization) -> QuerySet[Incident]:
    """The organization's incidents, latest started first (ties: latest recorded first)."""
    return (
        Incident.objects.filter(organization=organization)
        .select_related("repository", "attributed_deployment")
        .order_by("-started_at", "-id")
    )


def pagerduty_webhook_for_path_token(*, path_token: str) -> PagerDutyWebhook | None:
    return (
        PagerDutyWebhook.objects.select_related("organization")
        .filter(path_token=path_token)
        .first()
    )


def pagerduty_webhook_for_organization(*, organization: Organization) -> PagerDutyWebhook | None:
    """The organization's webhook with last_delivery_at, delivery_count and the number of
    PagerDuty incidents, for the Integrations card."""
    webhook = (
        PagerDutyWebhook.objects.filter(organization=organization)
        .annotate(
            last_delivery_at=Max("deliveries__received_at"), delivery_count=Count("deliveries")
        )
        .first()
    )
    if webhook is not None:
        webhook.incident_count = Incident.objects.filter(
            organization=organization, source=Incident.Source.PAGERDUTY
        ).count()
    return webhook


def pagerduty_services(*, organization: Organization) -> QuerySet[PagerDutyService]:
    """The admin's PagerDuty service → repository mappings, by service name."""
    return (
        PagerDutyService.objects.filter(organization=organization)
        .select_related("repository")
        .order_by(Lower("name"))
    )


def incident_for_organization(*, organization: Organization, pk: int) -> Incident | None:
    return (
        Incident.objects.select_related("repository", "attributed_deployment__repository")
        .filter(organization=organization, pk=pk)
        .first()
    )


# An admin picks among the latest; an older culprit is rare and reached by its SHA instead.
CANDIDATES_SHOWN = 20


def incident_deployment_candidates(*, incident: Incident) -> QuerySet[Deployment]:
    """The counted deployments an admin may attribute the incident to: its repository's (or
    the organization's, when it has none) deployed before it started, latest first."""
    candidates = Deployment.objects.filter(
        deployment_counted_q(incident.organization),
        organization_id=incident.organization_id,
        deployed_at__lt=incident.started_at,
    )
    if incident.repository_id is not None:
        candidates = candidates.filter(repository_id=incident.repository_id)
    return candidates.select_related("repository").order_by("-deployed_at", "-id")[
        :CANDIDATES_SHOWN
    ]
