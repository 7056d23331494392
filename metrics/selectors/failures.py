"""Which deployments failed, when each failure ended, and which deployments are rework: the
one place each rule lives (dora.dev/guides/dora-metrics/). The tiles, the series, the team
comparison, the previous period and GET /api/v1/metrics all read these expressions."""

from dataclasses import replace

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)

from incidents.attribution import attribution_reason
from incidents.models import Incident
from metrics.query import MetricsQuery
from organizations.models import Organization

# Tags that mark a deployment as rework (unplanned, to fix production), beside incidents.


def with_incident_deployments(query: MetricsQuery) -> MetricsQuery:
    """The query carrying its organization's deployments with an attributed incident, read
    once for the report, the previous period's and the team comparison: as literal ids
    PostgreSQL answers `failed_q` from the indexes (failed deployments, primary key,
    repository) instead of checking every deployment of the range against a subquery."""
    if query.incident_deployments is not None:
        return query
    rows = (
        incident_deployment_rows(organization=query.organization)
        .values_list("attributed_deployment_id", "attributed_repository_id")
        .distinct()
    )
    return replace(query, incident_deployments=tuple(rows))


def incident_deployment_rows(*, organization: Organization) -> QuerySet[Incident]:
    """The organization's incidents attributed to a deployment."""
    return Incident.objects.filter(organization=organization, attributed_deployment__isnull=False)


def _incident_deployment_ids(query: MetricsQuery):
    """The ids the query carries (`with_incident_deployments`), else the subquery."""
    if query.incident_deployments is not None:
        return sorted({deployment for deployment, _repository in query.incident_deployments})
    return incident_deployment_rows(organization=query.organization).values(
        "attributed_deployment_id"
    )


def _incident_repository_ids(query: MetricsQuery):
    """The repositories of those deployments, carried or as a subquery."""
    if query.incident_deployments is not None:
        repositories = {repository for _deployment, repository in query.incident_deployments}
        return sorted(repositories - {None})
    return incident_deployment_rows(organization=query.organization).values(
        "attributed_repository_id"
    )


def failed_q(*, query: MetricsQuery, deployment: str = "pk") -> Q:
    """A deployment failed when it carries a failure tag (`marks_failure`: `is_failure` or
    `rollback`, case-insensitive) or an incident is attributed to it (by its SHA or by the
    rule, incidents/sql/01_attribution.sql). A condition on the deployment, so a deployment
    with several incidents and a tag is still one failed deployment (a rate never above
    100 %). `deployment`: the column holding the deployment's id (`deployment_id` on the
    DeploymentTeam rows, which copy `marks_failure`)."""
    with_incident = {f"{deployment}__in": _incident_deployment_ids(query)}
    return Q(marks_failure=True) | Q(**with_incident)


def failure_ended_at() -> Subquery:
    """When a failed deployment's failure ended (the end of its recovery time): with
    attributed incidents, the latest `resolved_at` of them, null while any is open; without
    (a tag-only failure), null here, for the caller's next good deployment to decide. On a
    Deployment queryset."""
    incidents = Incident.objects.filter(attributed_deployment=OuterRef("pk")).order_by()
    ended = (
        incidents.values("attributed_deployment")
        .annotate(open=Count("pk") - Count("resolved_at"), last=Max("resolved_at"))
        .annotate(ended=Case(When(open=0, then=F("last")), output_field=DateTimeField()))
        .values("ended")
    )
    return Subquery(ended, output_field=DateTimeField())


def has_incident() -> Exists:
    """The deployment of a Deployment queryset has an attributed incident."""
    return Exists(Incident.objects.filter(attributed_deployment=OuterRef("pk")))


def rework_q(*, query: MetricsQuery) -> Q:
    """Deployment rework: a deployment is rework (unplanned, made because of a production
    incident) when it is tagged `hotfix` or `rollback` (case-insensitive), or it was
    deployed while an incident attributed to a deployment of the same repository was open
    (started at or before its deployed_at, and not resolved, or resolved after it). The
    deployment an incident is attributed to was deployed before the incident started, so it
    is never its own rework. DORA (dora.dev/guides/dora-metrics/, 2024 report) defines the
    rate as unplanned deployments made as a result of an incident in production; this is
    Shiplog's reading of it from tags and attributed incidents."""
    open_incident = Incident.objects.filter(
        organization=query.organization,
        attributed_repository=OuterRef("repository"),
        started_at__lte=OuterRef("deployed_at"),
    ).filter(Q(resolved_at__isnull=True) | Q(resolved_at__gt=OuterRef("deployed_at")))
    # The repositories with an attributed incident first: only their deployments look for
    # an open incident.
    during_incident = Q(repository_id__in=_incident_repository_ids(query)) & Q(
        Exists(open_incident)
    )
    # The tags as the stored flag (deployments.models.REWORK_TAGS, `marks_rework`).
    return Q(marks_rework=True) | during_incident


def stability_candidates_q(*, query: MetricsQuery) -> Q:
    """A superset of the deployments `failed_q` or `rework_q` may hold, each arm of it an
    index (failed, rework, primary key, repository): the stability counts read those rows
    only, not every deployment of the range."""
    return (
        Q(marks_failure=True)
        | Q(marks_rework=True)
        | Q(pk__in=_incident_deployment_ids(query))
        | Q(repository_id__in=_incident_repository_ids(query))
    )


def incidents_in_range(*, query) -> QuerySet[Incident]:
    """The organization's incidents started in the query's range (of its repositories, when
    it names some: the incident's own repository or its attributed deployment's), latest
    started first."""
    incidents = Incident.objects.filter(
        organization=query.organization,
        started_at__gte=query.start_at,
        started_at__lt=query.end_before,
    )
    if query.repositories:
        incidents = incidents.filter(
            Q(repository__full_name__in=query.repositories)
            | Q(attributed_deployment__repository__full_name__in=query.repositories)
        )
    return incidents.order_by("-started_at", "-id")


def incident_counts(*, query) -> dict[str, int]:
    """{attributed, unattributed}: the incidents of `incidents_in_range`, attributed to a
    deployment (explicitly or by the rule) or not, in one query."""
    unattributed = Q(attributed_deployment__isnull=True)
    return incidents_in_range(query=query).aggregate(
        attributed=Count("pk", filter=~unattributed), unattributed=Count("pk", filter=unattributed)
    )


INCIDENTS_SHOWN = 20


def incident_rows(*, query) -> list[Incident]:
    """The dashboard's incidents drilldown: the latest INCIDENTS_SHOWN of
    `incidents_in_range`, each with `reason` (`attribution_reason`), in one query."""
    window = query.organization.incident_attribution_window
    incidents = list(
        incidents_in_range(query=query).select_related(
            "repository", "attributed_deployment__repository"
        )[:INCIDENTS_SHOWN]
    )
    for incident in incidents:
        incident.reason = attribution_reason(incident, window=window)
    return incidents
