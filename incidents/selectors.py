from django.db.models import Count, Max, QuerySet
from django.db.models.functions import Lower

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
