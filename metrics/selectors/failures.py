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
    Value,
    When,
)
from django.db.models.functions import Coalesce

from deployments.models import Deployment
from incidents.attribution import attribution_reason
from incidents.models import Incident
from metrics.query import MetricsQuery
from organizations.models import Organization


def with_incident_deployments(query: MetricsQuery) -> MetricsQuery:
    """The query carrying its organization's deployments with an attributed incident, read
    once for the report, the previous period's and the team comparison: as an array of
    ids PostgreSQL answers `failed_q` from the indexes (failed deployments, primary key)
    instead of checking every deployment of the range against a subquery."""
    if query.incident_deployments is not None:
        return query
    rows = incident_deployment_rows(organization=query.organization).values_list(
        "attributed_deployment_id", flat=True
    )
    return replace(query, incident_deployments=frozenset(rows))


def incident_deployment_rows(*, organization: Organization) -> QuerySet[Incident]:
    """The organization's incidents attributed to a deployment."""
    return Incident.objects.filter(organization=organization, attributed_deployment__isnull=False)


def _has_incident_deployment_q(query: MetricsQuery, field: str) -> Q:
    """`field` holds a deployment with an attributed incident: the ids the query carries
    (`with_incident_deployments`) as one array, else the subquery."""
    if query.incident_deployments is not None:
        return Q(**{f"{field}__any_of": query.incident_deployments})
    ids = incident_deployment_rows(organization=query.organization).values(
        "attributed_deployment_id"
    )
    return Q(**{f"{field}__in": ids})


def failed_q(*, query: MetricsQuery, deployment: str = "pk") -> Q:
    """A deployment failed when it carries a failure tag (`marks_failure`: `is_failure` or
    `rollback`, case-insensitive) or an incident is attributed to it (by its SHA or by the
    rule, incidents/sql/01_attribution.sql). A condition on the deployment, so a deployment
    with several incidents and a tag is still one failed deployment (a rate never above
    100 %). `deployment`: the column holding the deployment's id (`deployment_id` on the
    DeploymentTeam rows, which copy `marks_failure`)."""
    return Q(marks_failure=True) | _has_incident_deployment_q(query, deployment)


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
    Shiplog's reading of it from tags and attributed incidents.

    A condition on the deployments of the query's range (`deployed_during_incident` reads
    that range only)."""
    # The tags as the stored flag (deployments.models.REWORK_TAGS, `marks_rework`).
    return Q(marks_rework=True) | Q(pk__in=deployed_during_incident(query=query))


def deployed_during_incident(*, query: MetricsQuery) -> QuerySet:
    """The ids of the range's deployments deployed while an incident attributed to a
    deployment of their repository was open (`rework_q`). Driven from the incidents open
    during the range, a few, each an index range of its repository's deployments: asked per
    deployment instead, every deployment of a repository that ever had an incident is
    a probe of the incidents."""
    if query.incident_deployments == frozenset():
        # No incident is attributed (the attribution sets both deployment and repository):
        # the condition drops out of the SQL instead of being checked per deployment.
        return Deployment.objects.none().values("pk")
    incident = "repository__attributed_incidents__"
    # Open at deployed_at: started at or before it, and not resolved by then. Within the
    # range an open incident ends at the range's end, so both ends bound the index range of
    # the repository's deployments.
    open_then = Q(**{f"{incident}started_at__lte": F("deployed_at")}) & Q(
        deployed_at__lt=Coalesce(F(f"{incident}resolved_at"), Value(query.end_before))
    )
    # Implied by `open_then` for a deployment of the range; said so the planner starts from
    # the incidents open during the range.
    open_in_range = Q(**{f"{incident}started_at__lt": query.end_before}) & (
        Q(**{f"{incident}resolved_at__isnull": True})
        | Q(**{f"{incident}resolved_at__gt": query.start_at})
    )
    return Deployment.objects.filter(
        open_then & open_in_range,
        organization=query.organization,
        deployed_at__gte=query.start_at,
        deployed_at__lt=query.end_before,
        **{f"{incident}organization": query.organization},
    ).values("pk")


def stability_candidates_q(*, query: MetricsQuery) -> Q:
    """The deployments `failed_q` or `rework_q` may hold: the stability counts read those
    rows only, not every deployment of the range."""
    return failed_q(query=query) | rework_q(query=query)


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
