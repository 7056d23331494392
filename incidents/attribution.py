"""Which deployment an incident is attributed to: the one rule, the SQL functions of
incidents/sql/01_attribution.sql (installed by every migrate, like deployments/sql/).

An explicit deploymentSha wins: the latest counted deployment carrying that SHA deployed
before the incident started (while none is known, the incident is unattributed). Otherwise
the latest counted deployment of the incident's repository (and environment, when it has
one) deployed before it started, within the organization's incident_attribution_window
(default 7 days). Otherwise unattributed. An admin's correction (re-attributed or
detached) is stored as explicit and pinned: the rule leaves it alone until it is reset.

Every path that changes the answer calls this module or the SQL directly: an incident
written (incidents.services), a deployment recorded or relinked (the end of
shiplog_deployments_derive), deleted (the deployments_deleted signal), the counted
environments changed (counted_environments_changed) or the window changed
(organization_incident_window_update).
"""

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from django.db import connection, transaction

from deployments.locks import link_lock
from deployments.models import Deployment
from incidents.models import Incident
from organizations.models import Organization

SQL_DIR = Path(__file__).with_name("sql")


def incidents_attribute(*, organization_id: int, incident_ids: Iterable[int]) -> None:
    """Attributes these incidents of the organization by the rule (pinned ones stay).
    Runs in the caller's transaction; the caller holds the link lock."""
    ids = sorted(set(incident_ids))
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT shiplog_incidents_attribute(%s, %s::bigint[])", [organization_id, ids]
            )


def incidents_follow_deployments(*, organization_id: int, deployment_ids: Iterable[int]) -> None:
    """Re-attributes the incidents these deployments may win or lose; with none given,
    those whose deployment was deleted. Recording calls the same SQL function itself."""
    with transaction.atomic(), connection.cursor() as cursor:
        link_lock(organization_id=organization_id, shared=False)
        cursor.execute(
            "SELECT shiplog_incidents_follow_deployments(%s, %s::bigint[])",
            [organization_id, sorted(set(deployment_ids))],
        )


def organization_incidents_attribute(*, organization_id: int) -> None:
    """Every incident of the organization, after what counts (or the window) changed.
    Exclusive: in-flight recordings finish first, later ones see the new setting."""
    with transaction.atomic(), connection.cursor() as cursor:
        link_lock(organization_id=organization_id, shared=False)
        cursor.execute("SELECT shiplog_organization_incidents_attribute(%s)", [organization_id])


@transaction.atomic
def organization_incident_window_update(
    *, organization: Organization, window: timedelta
) -> Organization:
    """Sets how long before an incident a deployment of its repository can have caused it
    (the rule's window) and re-attributes the organization's incidents."""
    if window <= timedelta(0):
        raise ValueError("The attribution window must be positive.")
    organization.incident_attribution_window = window
    organization.save(update_fields=["incident_attribution_window"])
    organization_incidents_attribute(organization_id=organization.pk)
    return organization


@transaction.atomic
def incident_reattribute(*, incident: Incident, deployment: Deployment) -> Incident:
    """An admin attributes the incident to this deployment of its organization: stored as
    explicit and pinned, so neither the rule nor a later delivery moves it."""
    if deployment.organization_id != incident.organization_id:
        raise ValueError("The deployment belongs to another organization.")
    return _pin(incident, deployment)


@transaction.atomic
def incident_detach(*, incident: Incident) -> Incident:
    """An admin says no deployment caused the incident: explicit, without a deployment."""
    return _pin(incident, None)


@transaction.atomic
def incident_attribution_reset(*, incident: Incident) -> Incident:
    """Drops an admin's correction: the rule attributes the incident again."""
    link_lock(organization_id=incident.organization_id, shared=False)
    Incident.objects.filter(pk=incident.pk).update(attribution_pinned=False)
    incidents_attribute(organization_id=incident.organization_id, incident_ids=[incident.pk])
    incident.refresh_from_db()
    return incident


def _pin(incident: Incident, deployment: Deployment | None) -> Incident:
    link_lock(organization_id=incident.organization_id, shared=False)
    incident.attributed_deployment = deployment
    incident.attribution = Incident.Attribution.EXPLICIT
    incident.attribution_pinned = True
    incident.save(update_fields=["attributed_deployment", "attribution", "attribution_pinned"])
    # The rule leaves a pinned incident alone but gives it its deployment's repository.
    incidents_attribute(organization_id=incident.organization_id, incident_ids=[incident.pk])
    incident.refresh_from_db(fields=["attributed_repository"])
    return incident


def attribution_reason(incident: Incident, *, window: timedelta) -> str:
    """Why the incident is attributed as it is, in a sentence for its row (the rule above
    read back; `window`: the organization's incident_attribution_window)."""
    if incident.attribution_pinned:
        if incident.attributed_deployment_id is None:
            return "Detached by an admin"
        return "Attributed by an admin"
    sha = incident.deployment_sha[:12]
    if incident.attributed_deployment_id is not None:
        if incident.attribution == Incident.Attribution.EXPLICIT:
            return f"The latest counted deployment carrying {sha} before it started"
        days = window.days
        return f"The latest counted deployment of its repository in the {days} days before it"
    if sha:
        return f"No counted deployment carrying {sha} before it started"
    if incident.repository_id is None:
        if incident.repository_name:
            return f"Unknown repository {incident.repository_name}"
        return "No repository or deployment SHA given"
    return f"No counted deployment of its repository in the {window.days} days before it"
