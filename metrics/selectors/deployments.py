"""The deployments in a query's range and slice, and their counts per period."""

from dataclasses import dataclass
from datetime import UTC, date

from django.db import connection, models
from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Trunc

from deployments.counting import deployment_counted_q
from deployments.models import Deployment, DeploymentTeam, tags_q
from metrics.query import MetricsQuery
from metrics.selectors.spans import percentiles_sql, span_seconds_sql
from metrics.selectors.status import (
    ORGANIZATION_LINE,
    counted_deployments,
    deployments_with_status,
)
from metrics.selectors.teams import in_teams
from organizations.models import Team


def _slice_q(query: MetricsQuery, *, prefix: str = "") -> Q:
    """The query's organization, range, repositories, environments and tags (not teams)."""
    condition = Q(
        **{
            f"{prefix}organization": query.organization,
            f"{prefix}deployed_at__gte": query.start_at,
            f"{prefix}deployed_at__lt": query.end_before,
        }
    )
    if query.repositories:
        condition &= Q(**{f"{prefix}repository__full_name__in": query.repositories})
    if query.environments:
        condition &= Q(**{f"{prefix}environment_name__in": query.environments})
    if query.tags:
        condition &= tags_q(query.tags, prefix=prefix)
    return condition


def deployments_filter(queryset: QuerySet[Deployment], *, query: MetricsQuery) -> QuerySet:
    """Deployments in the range and slice of `query`, each annotated with its `status`."""
    queryset = deployments_with_status(
        queryset.filter(_slice_q(query)), organization=query.organization
    )
    if query.teams:
        queryset = queryset.filter(in_teams(query))
    return queryset


def deployments_for_query(*, query: MetricsQuery) -> QuerySet[Deployment]:
    return deployments_filter(Deployment.objects.all(), query=query)


def period_trunc(field: str, granularity: str) -> Trunc:
    return Trunc(field, granularity, output_field=DateTimeField(), tzinfo=UTC)


def day_period(field: str, granularity: str) -> F | Func | Trunc:
    """The start of the period of a date column, grouped by the database so a year of team
    lines is a few thousand (period, team) counts, not one per (day, team). A week's Monday
    is date arithmetic: DATE_TRUNC on a date goes through a timestamp, which makes the
    grouping slower than the arithmetic."""
    if granularity == "day":
        return F(field)
    if granularity == "week":
        # 0001-01-01 was a Monday; MOD of a non-negative day count is the days since Monday.
        # The column appears twice in the template: fine for a column, which has no params.
        return Func(
            F(field),
            template="(%(expressions)s - MOD(%(expressions)s - DATE '0001-01-01', 7))",
            output_field=DateField(),
        )
    return Trunc(field, granularity, output_field=DateField())


@dataclass(frozen=True)
class DeploymentCounts:
    """The range's deployments, counted by the database (`deployment_counts`)."""

    # (period, status, failed, in the team selection) -> deployments
    by_status: dict[tuple[date, str, bool, bool], int]
    # (start of the period, team slug) -> counted deployments attributed to that team
    by_team: dict[tuple[date, str], int]


def deployment_counts(*, query: MetricsQuery) -> DeploymentCounts:
    """Every deployment in the range and slice of `query`, counted by the database from the
    attribution stored at write time, in two grouped queries: a page moves a few hundred
    numbers whatever the range. Teams do not narrow the counts; each says whether it is in
    the team selection."""
    organization = query.organization
    selected = in_teams(query) if query.teams else Value(True)
    # Grouped by the status `deployments_with_status` annotates: the rule in one place.
    grouped = (
        deployments_with_status(
            Deployment.objects.filter(_slice_q(query)), organization=organization
        )
        .order_by()
        .values(
            "status",
            period=period_trunc("deployed_at", query.granularity),
            failed=F("marks_failure"),
            selected=ExpressionWrapper(selected, output_field=models.BooleanField()),
        )
        # COUNT(*), not of the id: without teams the covering index answers alone.
        .annotate(count=Count("*"))
    )
    by_status = {
        (row["period"].date(), row["status"], row["failed"], row["selected"]): row["count"]
        for row in grouped
    }

    # A team's line: its counted deployments (a tracked person of the team authored one of
    # the matched commits, so the rank is HUMAN; not a test; a counted environment). The
    # rows carry what filters them; only a repository or tag filter joins the deployment.
    teams = DeploymentTeam.objects.filter(
        deployment_counted_q(organization),
        organization=organization,
        deployed_on__gte=query.start,
        deployed_on__lte=query.end,
    )
    if query.environments:
        teams = teams.filter(environment_name__in=query.environments)
    if query.repositories or query.tags:
        # With the deployment's range too, so its side of the join is an index range scan.
        teams = teams.filter(_slice_q(query, prefix="deployment__"))
    # Grouped by period and team id, the ids named afterwards: a join to the teams before
    # grouping would carry every row's team through the sort.
    slugs = dict(Team.objects.filter(organization=organization).values_list("pk", "slug"))
    if query.teams:
        teams = teams.filter(team_id__in=[pk for pk, slug in slugs.items() if slug in query.teams])
    # COUNT(*), not of the id: the covering index (organization, deployed_on) has no id.
    team_counts = (
        teams.order_by()
        .values_list(day_period("deployed_on", query.granularity), "team_id")
        .annotate(count=Count("*"))
    )
    by_team = {(day, slugs[team_id]): count for day, team_id, count in team_counts}
    return DeploymentCounts(by_status=by_status, by_team=by_team)


def recovery_times(*, query: MetricsQuery, fractions: tuple[float, ...]) -> tuple:
    """(recovered, [percentile of the recovery seconds for each of `fractions`] or None,
    unrecovered) over the failed counted deployments of the query: a failure's recovery is
    its deployed_at → the next deployment of the same repository and environment that may
    count and is not failed; a failure with none yet is unrecovered."""
    next_good = (
        counted_deployments(organization=query.organization)
        .filter(
            repository=OuterRef("repository"),
            environment_name=OuterRef("environment_name"),
            deployed_at__gt=OuterRef("deployed_at"),
        )
        .exclude(marks_failure=True)
        .order_by("deployed_at")
        .values("deployed_at")[:1]
    )
    failed = (
        deployments_for_query(query=query)
        .filter(marks_failure=True, status__in=ORGANIZATION_LINE)
        .annotate(recovered_at=Subquery(next_good))
        .order_by()
        .values("deployed_at", "recovered_at")
    )
    sql, params = failed.query.sql_with_params()
    seconds = span_seconds_sql("recovered_at", "deployed_at")
    # Only constants and the ORM's own SQL are interpolated; values travel as params.
    statement = f"""
        SELECT COUNT(seconds), {percentiles_sql("seconds", fractions)},
            COUNT(*) - COUNT(seconds)
        FROM (SELECT {seconds} AS seconds FROM ({sql}) AS failed) AS recoveries
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()
