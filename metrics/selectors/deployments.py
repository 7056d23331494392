"""The deployments in a query's range and slice, and their counts per period."""

from dataclasses import dataclass, field
from datetime import UTC, date

from django.db import connection, models
from django.db.models import (
    Case,
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
    When,
)
from django.db.models.functions import Trunc

from deployments.counting import deployment_counted_q
from deployments.models import Deployment, DeploymentTeam, tags_q
from metrics.query import MetricsQuery
from metrics.selectors.failures import (
    failed_q,
    failure_ended_at,
    has_incident,
    rework_q,
    stability_candidates_q,
)
from metrics.selectors.spans import percentiles_sql, span_seconds_sql
from metrics.selectors.status import (
    ORGANIZATION_LINE,
    counted_deployments,
    deployments_with_status,
)
from metrics.selectors.teams import in_teams
from organizations.models import Team


def deployments_slice_q(query: MetricsQuery, *, prefix: str = "") -> Q:
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
        queryset.filter(deployments_slice_q(query)), organization=query.organization
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

    # (period, status, in the team selection) -> deployments
    by_status: dict[tuple[date, str, bool], int]
    # (start of the period, team slug) -> counted deployments attributed to that team
    by_team: dict[tuple[date, str], int]
    # (period, status, in the team selection) -> (failed, rework) deployments of those
    by_stability: dict[tuple[date, str, bool], tuple[int, int]]
    # team slug -> (its counted deployments in the range, the failed ones, `failed_q`)
    team_failures: dict[str, tuple[int, int]] = field(default_factory=dict)


def deployment_counts(
    *, query: MetricsQuery, slugs: dict[int, str] | None = None, team_lines: bool = True
) -> DeploymentCounts:
    """Every deployment in the range and slice of `query`, counted by the database from the
    attribution stored at write time, in three grouped queries: a page moves a few hundred
    numbers whatever the range. Teams do not narrow the counts; each says whether it is in
    the team selection. `slugs`: the organization's `team_slugs`, when the caller read
    them; without `team_lines`, no team lines (`by_team` empty), two queries."""
    organization = query.organization
    # COUNT(*), not of the id: without teams the covering index answers alone.
    grouped = _grouped_by_status(
        query, Deployment.objects.filter(deployments_slice_q(query))
    ).annotate(count=Count("*"))
    by_status = {
        (row["period"].date(), row["status"], row["selected"]): row["count"] for row in grouped
    }
    by_stability = stability_counts(query=query)

    if not team_lines:
        return DeploymentCounts(by_status=by_status, by_team={}, by_stability=by_stability)
    if slugs is None:
        slugs = team_slugs(organization=organization)
    # COUNT(*), not of the id: the covering index (organization, deployed_on) has no id.
    # The failed ones in the same pass: the team comparison's rates read the same rows.
    failed = failed_q(query=query, deployment="deployment_id")
    team_counts = (
        team_rows(query=query, slugs=slugs)
        .order_by()
        .values_list(day_period("deployed_on", query.granularity), "team_id")
        .annotate(count=Count("*"), failed=Count("team", filter=failed))
    )
    by_team, team_failures = {}, {}
    for day, team_id, count, failures in team_counts:
        slug = slugs[team_id]
        by_team[(day, slug)] = count
        total, failed_total = team_failures.get(slug, (0, 0))
        team_failures[slug] = (total + count, failed_total + failures)
    return DeploymentCounts(
        by_status=by_status,
        by_team=by_team,
        by_stability=by_stability,
        team_failures=team_failures,
    )


def _grouped_by_status(query: MetricsQuery, deployments: QuerySet[Deployment]) -> QuerySet:
    """`deployments` grouped by period, the status `deployments_with_status` annotates (the
    rule in one place) and whether each is in the team selection."""
    selected = in_teams(query) if query.teams else Value(True)
    return (
        deployments_with_status(deployments, organization=query.organization)
        .order_by()
        .values(
            "status",
            period=period_trunc("deployed_at", query.granularity),
            selected=ExpressionWrapper(selected, output_field=models.BooleanField()),
        )
    )


def stability_counts(*, query: MetricsQuery) -> dict[tuple[date, str, bool], tuple[int, int]]:
    """(period, status, in the team selection) -> (failed, rework): the deployments of the
    range and slice that failed (`failed_q`) and that are rework (`rework_q`), in one
    grouped query over the few that may be either (`stability_candidates_q`), so the status
    counts keep reading only their covering index."""
    candidates = Deployment.objects.filter(deployments_slice_q(query)).filter(
        stability_candidates_q(query=query)
    )
    grouped = _grouped_by_status(query, candidates).annotate(
        failed=Count("pk", filter=failed_q(query=query)),
        rework=Count("pk", filter=rework_q(query=query)),
    )
    return {
        (row["period"].date(), row["status"], row["selected"]): (row["failed"], row["rework"])
        for row in grouped
    }


def team_slugs(*, organization) -> dict[int, str]:
    """Team id -> slug: team rows are grouped by id and named afterwards, since a join to
    the teams before grouping would carry every row's team through the sort."""
    return dict(Team.objects.filter(organization=organization).values_list("pk", "slug"))


def team_rows(*, query: MetricsQuery, slugs: dict[int, str]) -> QuerySet[DeploymentTeam]:
    """The rows of the team lines: a team's counted deployments in the range and slice (a
    tracked person of the team authored one of the matched commits, so the rank is HUMAN;
    not a test; a counted environment), of the selected teams when teams are selected. The
    rows carry what filters them; only a repository or tag filter joins the deployment."""
    organization = query.organization
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
        teams = teams.filter(deployments_slice_q(query, prefix="deployment__"))
    if query.teams:
        teams = teams.filter(team_id__in=[pk for pk, slug in slugs.items() if slug in query.teams])
    return teams


def _failed_with_recovery(query: MetricsQuery) -> QuerySet[Deployment]:
    """The failed counted deployments of the query (`failed_q`), each with `recovered_at`:
    with attributed incidents, when the last of them was resolved (`failure_ended_at`);
    a tag-only failure, at the next deployment of the same repository and environment that
    may count and is not failed."""
    failed = failed_q(query=query)
    next_good = (
        counted_deployments(organization=query.organization)
        .filter(
            repository=OuterRef("repository"),
            environment_name=OuterRef("environment_name"),
            deployed_at__gt=OuterRef("deployed_at"),
        )
        .exclude(failed)
        .order_by("deployed_at")
        .values("deployed_at")[:1]
    )
    return (
        deployments_for_query(query=query)
        .filter(failed, status__in=ORGANIZATION_LINE)
        .annotate(
            recovered_at=Case(
                When(has_incident(), then=failure_ended_at()),
                default=Subquery(next_good),
                output_field=DateTimeField(),
            )
        )
        .order_by()
    )


def _recovery_rows(
    failed: QuerySet, *, fractions, group: str | None, grouping: str = "()"
) -> list[tuple]:
    """(group, recovered, [percentile for each of `fractions`] or None, unrecovered) of the
    `failed` rows (`_failed_with_recovery` values), grouped by the SQL `group` expression;
    `group` None: one row for them all."""
    sql, params = failed.query.sql_with_params()
    seconds = span_seconds_sql("recovered_at", "deployed_at")
    key, grouped = ("grp", f"{group} AS grp, ") if group else ("NULL::date", "")
    # Only constants and the ORM's own SQL are interpolated; values travel as params.
    # MATERIALIZED: inlined, the `recovered_at` subquery would run once per mention in the
    # span (and the percentiles), not once per failure.
    statement = f"""
        WITH failed AS MATERIALIZED ({sql})
        SELECT {key}, COUNT(seconds), {percentiles_sql("seconds", fractions)},
            COUNT(*) - COUNT(seconds)
        FROM (SELECT {grouped}{seconds} AS seconds FROM failed) AS recoveries
        GROUP BY {grouping} ORDER BY 1 NULLS LAST
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


_TRUNC_UNITS = {"day": "day", "week": "week", "month": "month"}


def recovery_times(
    *, query: MetricsQuery, fractions: tuple[float, ...], by_period: bool = True
) -> list[tuple]:
    """The recovery times of the failed counted deployments of the query: a failure's
    recovery is its deployed_at → the end of its failure (`_failed_with_recovery`: its
    attributed incidents' latest resolution, or for a tag-only failure the next deployment
    of the same repository and environment that may count and is not failed); a failure not
    yet ended is unrecovered, counted apart and not as a time.

    One row per period of the failure's deployed_at (UTC, a date), then a last row for the
    whole range (None), even with no failures:

        (period, recovered, [percentile of the seconds for each of `fractions`] or None,
         unrecovered)

    Without `by_period`, only the range row.
    """
    failed = _failed_with_recovery(query).values("deployed_at", "recovered_at")
    if not by_period:
        return _recovery_rows(failed, fractions=fractions, group=None)
    unit = _TRUNC_UNITS[query.granularity]
    period = f"(DATE_TRUNC('{unit}', deployed_at AT TIME ZONE 'UTC'))::date"
    return _recovery_rows(failed, fractions=fractions, group=period, grouping="ROLLUP (grp)")


def recovery_times_by_team(*, query: MetricsQuery, fractions: tuple[float, ...]) -> list[tuple]:
    """`recovery_times` of the range per attributed team (the team id first instead of the
    period; no range row): a failure counts for every team it is attributed to."""
    failed = _failed_with_recovery(query).values(
        "deployed_at", "recovered_at", team_id=F("team_attributions__team_id")
    )
    return _recovery_rows(failed, fractions=fractions, group="team_id", grouping="grp")
