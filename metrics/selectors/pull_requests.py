"""The counted pull requests: whose lead time ends in a query's range, and its aggregates."""

from dataclasses import replace

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce

from deployments.models import DeploymentPullRequest, tags_q
from metrics.query import MetricsQuery
from metrics.selectors.spans import SpanSeconds, percentiles_sql, span_seconds_sql
from metrics.selectors.status import counted_deployments
from organizations.models import Contributor, Organization
from repositories.models import PullRequest


def undeployed_repositories(*, organization: Organization) -> QuerySet:
    """Ids of the repositories that never received a counted deployment (lead time ends at
    the merge there), one index probe each."""
    counted = counted_deployments(organization=organization)
    return (
        organization.repositories.order_by()
        .exclude(Exists(counted.filter(repository=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )


def with_undeployed_repositories(query: MetricsQuery) -> MetricsQuery:
    """The query carrying its organization's `undeployed_repositories`, read once: every PR
    query of a report filters on them, and as a subquery in each they cost PostgreSQL an
    index probe per repository every time."""
    if query.undeployed_repository_ids is not None:
        return query
    ids = tuple(undeployed_repositories(organization=query.organization))
    return replace(query, undeployed_repository_ids=ids)


def undeployed_repository_ids(query: MetricsQuery) -> tuple[int, ...] | QuerySet:
    """The ids the query carries (`with_undeployed_repositories`), else the subquery."""
    if query.undeployed_repository_ids is not None:
        return query.undeployed_repository_ids
    return undeployed_repositories(organization=query.organization)


def pull_requests_scoped(*, query: MetricsQuery) -> QuerySet[PullRequest]:
    """Merged PRs by tracked contributors in the query's slice, annotated with:

    - `shipped_at`: the deploy moment (within the selected environments, if any);
    - `end_moment`: where lead time ends — the deploy moment, else the merge when the
      repository never received a counted deployment, else null ("merged, not deployed").
    """
    organization = query.organization
    counted = counted_deployments(organization=organization)
    shipped_at = F("deploy_moment")
    if query.environments:
        shipped_at = Subquery(
            DeploymentPullRequest.objects.filter(
                pull_request=OuterRef("pk"), deployment__in=counted.values("pk")
            )
            .filter(deployment__environment_name__in=query.environments)
            .order_by("-deployment__deployed_at")
            .values("deployment__deployed_at")[:1]
        )
    undeployed = undeployed_repository_ids(query)
    # A subquery, not a join: with a selective-looking tag filter the planner otherwise
    # nests loops over every contributor for every PR.
    tracked = Contributor.objects.filter(organization=organization, is_tracked=True)
    queryset = (
        PullRequest.objects.filter(
            organization=organization, merged_at__isnull=False, author__in=tracked.values("pk")
        )
        .annotate(shipped_at=shipped_at)
        .annotate(
            end_moment=Case(
                When(shipped_at__isnull=False, then=F("shipped_at")),
                When(repository__in=undeployed, then=F("merged_at")),
                default=None,
                output_field=DateTimeField(),
            )
        )
    )
    if query.repositories:
        queryset = queryset.filter(repository__full_name__in=query.repositories)
    if query.teams:
        memberships = Contributor.teams.through.objects.filter(
            contributor=OuterRef("author"), team__slug__in=query.teams
        )
        queryset = queryset.filter(Exists(memberships), author__is_bot=False)
    if query.tags:
        # Shipped by a counted deployment carrying one of the tags (kept on the PR).
        queryset = queryset.filter(tags_q(query.tags, prefix="shipped_"))
    return queryset


def pull_requests_counted(*, query: MetricsQuery) -> QuerySet[PullRequest]:
    """PRs whose lead time ends in the range: grouped by deploy moment (or merge, flagged).

    Written on the columns rather than on `end_moment` (a CASE), so PostgreSQL can use
    the indexes.
    """
    start, end = query.start_at, query.end_before
    undeployed = undeployed_repository_ids(query)
    queryset = pull_requests_scoped(query=query)
    if not query.environments:
        # The same rule as below with shipped_at = deploy_moment, as one range over the
        # `pr_org_end_covering` index, which carries every column a lead-time query reads:
        # an index-only scan instead of reading each PR's whole row.
        return queryset.alias(ends_at=Coalesce("deploy_moment", "merged_at")).filter(
            Q(deploy_moment__isnull=False) | Q(repository__in=undeployed),
            ends_at__gte=start,
            ends_at__lt=end,
        )
    # The environments' deploy moment is a subquery per PR; it is never after the overall
    # one (deploy_moment), so the indexed columns narrow the PRs to try first.
    queryset = queryset.filter(
        Q(deploy_moment__gte=start) | Q(merged_at__gte=start, merged_at__lt=end)
    )
    return queryset.filter(
        Q(shipped_at__gte=start, shipped_at__lt=end)
        | Q(
            shipped_at__isnull=True,
            merged_at__gte=start,
            merged_at__lt=end,
            repository__in=undeployed,
        )
    )


def pull_request_title_failure_counts(*, query: MetricsQuery) -> dict[str, int]:
    return pull_requests_counted(query=query).aggregate(
        total=Count("pk"), failed=Count("pk", filter=Q(title_marks_failure=True))
    )


# The lead-time columns of a PR, in seconds (defined in `calculations.change_lead_time`):
# name -> (later, earlier) timestamp of `pull_requests_scoped`. Counted PRs end at the
# deploy moment, or at the merge in a repository never deployed (`end_moment`).
LEAD_TIME_SPANS = {
    "total": ("end_moment", "first_commit_at"),
    "coding": ("opened_at", "first_commit_at"),
    "review_wait": ("first_review_at", "opened_at"),
    "editing": ("merged_at", "first_review_at"),
    "deploy": ("shipped_at", "merged_at"),
}


_TRUNC_UNITS = {"day": "day", "week": "week", "month": "month"}


def lead_time_seconds() -> dict[str, SpanSeconds]:
    """LEAD_TIME_SPANS as expressions over `pull_requests_scoped`: seconds as a float,
    clamped at zero, null when an end is unknown (`span_seconds_sql`)."""
    return {
        name: SpanSeconds(F(later), F(earlier))
        for name, (later, earlier) in LEAD_TIME_SPANS.items()
    }


def lead_time_summaries(
    *,
    query: MetricsQuery,
    fractions: tuple[float, ...],
    spans: tuple[str, ...] = tuple(LEAD_TIME_SPANS),
    by_period: bool = True,
) -> list[tuple]:
    """Lead-time aggregates of the counted PRs, computed by PostgreSQL: one row per period
    (the UTC period of the PR's end, a date) and a last row for the whole range (None):

        (period, pull_requests, merge_based, title_failed,
         then per span of `spans` (LEAD_TIME_SPANS names): count, [percentile for each
         of `fractions`])

    Without `by_period`, only the range row. Spans are `span_seconds_sql`, percentiles
    `percentiles_sql`. Raw SQL around the ORM's query of the counted PRs, because Django
    has no GROUP BY ROLLUP: one pass gives the periods and the range, and the timestamps
    (`shipped_at` may be a subquery) are computed once per PR. Each span asked for is one
    more sort of the PRs: a caller asks only for those it shows.
    """
    counted = pull_requests_counted(query=query)
    if not by_period:
        return _lead_time_rows(counted, fractions=fractions, spans=spans, group=None)
    unit = _TRUNC_UNITS[query.granularity]
    period = f"(DATE_TRUNC('{unit}', end_moment AT TIME ZONE 'UTC'))::date"
    return _lead_time_rows(
        counted, fractions=fractions, spans=spans, group=period, grouping="ROLLUP (grp)"
    )


def lead_time_summaries_by_team(
    *,
    query: MetricsQuery,
    fractions: tuple[float, ...],
    spans: tuple[str, ...] = tuple(LEAD_TIME_SPANS),
) -> list[tuple]:
    """`lead_time_summaries` of the range per team of the PR's author (the team id first
    instead of the period; no range row): a PR counts for each of its author's teams, and a
    bot's PRs for none (they count in the organization line only)."""
    counted = pull_requests_counted(query=query).filter(author__is_bot=False)
    return _lead_time_rows(
        counted,
        fractions=fractions,
        spans=spans,
        group="team_id",
        grouping="grp",
        team_id=F("author__teams"),
    )


def _lead_time_rows(
    counted: QuerySet,
    *,
    fractions: tuple[float, ...],
    spans: tuple[str, ...],
    group: str | None,
    grouping: str = "()",
    **columns,
) -> list[tuple]:
    """The rows of `lead_time_summaries`, grouped by the SQL `group` expression over the
    counted PRs' columns (and `columns`); `group` None: one row for them all."""
    counted = counted.order_by().values(
        "end_moment",
        "first_commit_at",
        "opened_at",
        "first_review_at",
        "merged_at",
        "shipped_at",
        title_failed=F("title_marks_failure"),
        **columns,
    )
    sql, params = counted.query.sql_with_params()
    span_columns = ", ".join(
        f"{span_seconds_sql(*LEAD_TIME_SPANS[name])} AS {name}" for name in spans
    )
    # NULL (an unknown end) is skipped by COUNT and by the percentiles.
    aggregates = ", ".join(f"COUNT({name}), {percentiles_sql(name, fractions)}" for name in spans)
    key, grouped = ("grp", f", {group} AS grp") if group else ("NULL::date", "")
    # Only constants and the ORM's own SQL are interpolated; values travel as params.
    statement = f"""
        SELECT {key}, COUNT(*), COUNT(*) FILTER (WHERE shipped_at IS NULL),
            COUNT(*) FILTER (WHERE title_failed), {aggregates}
        FROM (SELECT prs.*, {span_columns}{grouped} FROM ({sql}) AS prs) AS counted
        GROUP BY {grouping} ORDER BY 1 NULLS LAST
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()
