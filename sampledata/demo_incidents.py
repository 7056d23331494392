"""The demo's incidents: a few from the incidents API and from PagerDuty, written through the
same services as real ones (incident_record; PagerDuty's V3 events through its parser), so
the dashboard shows each attribution: by SHA, by the rule, and one left unattributed.

Each is keyed by its source id, so seeding again updates them and adds nothing."""

from datetime import datetime, timedelta

from deployments.models import Deployment
from incidents.models import Incident
from incidents.pagerduty import event_parse
from incidents.services import incident_record
from organizations.models import Organization


def _production(organization: Organization, repository: str) -> list[Deployment]:
    """The repository's production deployments, latest first."""
    return list(
        Deployment.objects.filter(
            organization=organization,
            repository__full_name=repository,
            environment_name="production",
            is_test=False,
        ).order_by("-deployed_at")
    )


def _api_incident(organization, external_id: str, **fields) -> Incident:
    return incident_record(
        organization=organization,
        source=Incident.Source.API,
        external_id=external_id,
        fields=fields,
    ).incident


def pagerduty_event(
    event_type: str, *, incident_id: str, service: str, title: str, created_at, occurred_at
) -> dict:
    """A PagerDuty V3 webhook event in the shape of PagerDuty's documentation (the event
    envelope and its `incident` data)."""
    return {
        "event": {
            "id": f"demo-{incident_id}-{event_type}",
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": occurred_at.isoformat(),
            "data": {
                "id": incident_id,
                "type": "incident",
                "html_url": f"https://acme.pagerduty.com/incidents/{incident_id}",
                "status": event_type.removeprefix("incident."),
                "created_at": created_at.isoformat(),
                "title": title,
                "service": {"id": "PDEMO01", "summary": service, "type": "service_reference"},
                "priority": {"summary": "P1", "type": "priority_reference"},
                "urgency": "high",
            },
        }
    }


def _pagerduty_apply(organization, payload: dict) -> Incident:
    event = event_parse(payload)
    return incident_record(
        organization=organization,
        source=Incident.Source.PAGERDUTY,
        external_id=event.incident_id,
        fields=event.fields,
        source_updated_at=event.occurred_at,
    ).incident


def _pagerduty_incident(organization, incident_id, *, service, title, started_at, resolved_at):
    """Triggered, then resolved unless `resolved_at` is None: the events PagerDuty sends."""
    events = [("incident.triggered", started_at)]
    if resolved_at is not None:
        events.append(("incident.resolved", resolved_at))
    for event_type, occurred_at in events:
        incident = _pagerduty_apply(
            organization,
            pagerduty_event(
                event_type,
                incident_id=incident_id,
                service=service,
                title=title,
                created_at=started_at,
                occurred_at=occurred_at,
            ),
        )
    return incident


def demo_incidents_seed(*, organization: Organization, now: datetime) -> list[Incident]:
    """Five incidents of the last weeks, after the production deployments already seeded:

    - API, by SHA: a web release's SHA sent as deploymentSha (explicit);
    - API, by rule: acme/api in production, three hours after a deployment of it, resolved
      an hour after the next one (the fix, so rework);
    - PagerDuty, by rule: service "web" (the repository named like it), resolved;
    - PagerDuty, by rule, still open: service "mobile", after its latest deployment (an
      unrecovered failure; the mobile deployments after it are rework);
    - API, unattributed: a repository Shiplog does not know.
    """
    web, api, mobile = (
        _production(organization, name) for name in ("acme/web", "acme/api", "acme/mobile")
    )
    incidents = []
    if len(web) > 8:
        shipped = web[3]
        incidents.append(
            _api_incident(
                organization,
                "INC-2041",
                title="Checkout returns 500s after the release",
                severity="SEV2",
                environment_name="production",
                deployment_sha=shipped.shas[0],
                started_at=shipped.deployed_at + timedelta(minutes=35),
                resolved_at=shipped.deployed_at + timedelta(hours=2, minutes=10),
            )
        )
        incidents.append(
            _pagerduty_incident(
                organization,
                "Q1WEBDEMO",
                service="web",
                title="Search latency above SLO",
                started_at=web[8].deployed_at + timedelta(minutes=50),
                resolved_at=web[8].deployed_at + timedelta(hours=1, minutes=40),
            )
        )
    if len(api) > 5:
        # Resolved an hour after the next deployment of acme/api, the fix: that one is rework.
        incidents.append(
            _api_incident(
                organization,
                "INC-2042",
                title="Invoices API timeouts",
                severity="SEV3",
                repository_name="acme/api",
                environment_name="production",
                started_at=api[5].deployed_at + timedelta(hours=3),
                resolved_at=api[4].deployed_at + timedelta(hours=1),
            )
        )
    if mobile:
        incidents.append(
            _pagerduty_incident(
                organization,
                "Q2MOBILEDEMO",
                service="mobile",
                title="Mobile sign-in failures",
                started_at=min(mobile[0].deployed_at + timedelta(hours=1), now),
                resolved_at=None,
            )
        )
    incidents.append(
        _api_incident(
            organization,
            "INC-2043",
            title="Legacy billing export stalled",
            severity="SEV3",
            repository_name="acme/legacy-billing",
            started_at=now - timedelta(days=12),
            resolved_at=now - timedelta(days=12) + timedelta(hours=2),
        )
    )
    return incidents
