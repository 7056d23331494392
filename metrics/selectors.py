"""Querysets behind the metrics: which deployments and pull requests count, and why not.

Everything here is scoped by the query's organization and evaluated in the database; the
calculations module turns these querysets into numbers.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.contrib.postgres.aggregates import StringAgg
from django.db import connection, models
from django.db.models import (
    Case,
    Count,
    DateField,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Collate, NullIf, Trunc
from django.db.models.lookups import LessThan

from deployments.models import (
    ContributorRank,
    Deployment,
    DeploymentCommit,
    DeploymentPullRequest,
    DeploymentTeam,
    tags_q,
)
from metrics.query import MetricsQuery
from organizations.models import Contributor, Organization, Team
from repositories.models import PullRequest


class Status(models.TextChoices):
    """Why a deployment counts, or the reason it is left out of results."""

    COUNTED = "counted", "Counted"
    BOTS_ONLY = "bots_only", "Bots only: organization line only"
    TEST = "test", "Test deployment"
    ENVIRONMENT_NOT_COUNTED = "environment_not_counted", "Environment not counted"
    NO_KNOWN_COMMITS = "no_known_commits", "No known commits"
    NO_CONTRIBUTOR_COMMITS = "no_contributor_commits", "No contributor commits"


# Both count in the organization line; only COUNTED deployments belong to teams.
ORGANIZATION_LINE = (Status.COUNTED, Status.BOTS_ONLY)


def counted_deployments(*, organization: Organization) -> QuerySet[Deployment]:
    """Deployments that may count at all: not tests, in a counted environment."""
    queryset = Deployment.objects.filter(organization=organization, is_test=False)
    if organization.counted_environments:
        queryset = queryset.filter(environment_name__in=organization.counted_environments)
    return queryset


# What a deployment's stored contributor rank (deployments.attribution) makes of it when it
# is not a test and its environment counts.
STATUS_BY_RANK = {
    ContributorRank.NONE: Status.NO_KNOWN_COMMITS,
    ContributorRank.UNTRACKED: Status.NO_CONTRIBUTOR_COMMITS,
    ContributorRank.BOT: Status.BOTS_ONLY,
    ContributorRank.HUMAN: Status.COUNTED,
}


def deployments_with_status(
    queryset: QuerySet[Deployment], *, organization: Organization
) -> QuerySet[Deployment]:
    """Annotates `status`: counted, bots only, or the first reason it is left out. The one
    place the rule lives: the counts, tables and CSV all group or filter on it."""
    whens = [When(is_test=True, then=Value(Status.TEST))]
    if organization.counted_environments:
        whens.append(
            When(
                ~Q(environment_name__in=organization.counted_environments),
                then=Value(Status.ENVIRONMENT_NOT_COUNTED),
            )
        )
    whens += [
        When(contributor_rank=rank, then=Value(status)) for rank, status in STATUS_BY_RANK.items()
    ]
    status = Case(*whens, default=Value(Status.NO_KNOWN_COMMITS), output_field=models.CharField())
    return queryset.annotate(status=status)


def in_teams(query: MetricsQuery) -> Q:
    """Deployments in the query's range attributed to any of its teams: the team rows of
    the range, by the (team, deployed_on) index, not every row the teams ever had."""
    attributed = DeploymentTeam.objects.filter(
        organization=query.organization,
        team__slug__in=query.teams,
        deployed_on__gte=query.start,
        deployed_on__lte=query.end,
    )
    return Q(pk__in=attributed.values("deployment_id"))


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
    """The start of the period of a date column, on PostgreSQL (a year of team lines is
    15,000 (day, team) counts, 2,000 (week, team) ones); elsewhere the day itself, which the
    caller folds. A week's Monday is date arithmetic: DATE_TRUNC on a date goes through a
    timestamp, and that made the grouping slower than fetching the days."""
    if connection.vendor != "postgresql" or granularity == "day":
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
    # (UTC day or the start of its period, team slug) -> counted deployments attributed to
    # that team (`day_period`)
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
    counted_environments = set(organization.counted_environments or ())

    # A team's line: its counted deployments (a tracked person of the team authored one of
    # the matched commits, so the rank is HUMAN; not a test; a counted environment). The
    # rows carry what filters them; only a repository or tag filter joins the deployment.
    teams = DeploymentTeam.objects.filter(
        organization=organization,
        deployed_on__gte=query.start,
        deployed_on__lte=query.end,
        is_test=False,
    )
    if counted_environments:
        teams = teams.filter(environment_name__in=counted_environments)
    if query.environments:
        teams = teams.filter(environment_name__in=query.environments)
    if query.repositories or query.tags:
        # With the deployment's range too, so its side of the join is an index range scan.
        teams = teams.filter(_slice_q(query, prefix="deployment__"))
    # Grouped by period and team id; the ids are named afterwards (joining the teams before
    # grouping cost a quarter of the query).
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


def team_people_count(*, organization: Organization, team_slugs) -> int:
    """Tracked people (not bots) in any of these teams: the per-person denominator."""
    return (
        Contributor.objects.filter(
            organization=organization, is_tracked=True, is_bot=False, teams__slug__in=team_slugs
        )
        .distinct()
        .count()
    )


def failed_deployment_recoveries(*, query: MetricsQuery) -> list[tuple]:
    """(failed deployed_at, next good deployed_at or None) for failed counted deployments."""
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
    return list(
        deployments_for_query(query=query)
        .filter(marks_failure=True, status__in=ORGANIZATION_LINE)
        .annotate(recovered_at=Subquery(next_good))
        .values_list("deployed_at", "recovered_at")
    )


def undeployed_repositories(*, organization: Organization) -> QuerySet:
    """Ids of the repositories that never received a counted deployment (lead time ends at
    the merge there), one index probe each; metrics read them as
    `MetricsQuery.undeployed_repository_ids`."""
    counted = counted_deployments(organization=organization)
    return (
        organization.repositories.order_by()
        .exclude(Exists(counted.filter(repository=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )


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
    undeployed = query.undeployed_repository_ids
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

    Written on the columns rather than on `end_moment`, so PostgreSQL can use the
    (organization, deploy_moment) and (organization, merged_at) indexes.
    """
    start, end = query.start_at, query.end_before
    undeployed = query.undeployed_repository_ids
    queryset = pull_requests_scoped(query=query)
    if query.environments:
        # The environments' deploy moment is a subquery per PR; it is never after the
        # overall one (deploy_moment), so the indexed columns narrow the PRs to try first.
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


def pull_requests_merged_not_deployed(*, query: MetricsQuery) -> QuerySet[PullRequest]:
    """PRs merged in the range in a deployed repository that no counted deployment ships."""
    undeployed = query.undeployed_repository_ids
    return (
        pull_requests_scoped(query=query)
        .filter(merged_at__gte=query.start_at, merged_at__lt=query.end_before)
        .filter(shipped_at__isnull=True)
        .exclude(repository__in=undeployed)
    )


def as_text(field: str):
    """A timestamp column fetched as text, for `moment`: Django's psycopg loader parses
    each timestamptz in Python (~9 µs), which at 50,000 PRs × 5 columns was most of a
    page; datetime.fromisoformat does it in C."""
    return Cast(field, output_field=models.TextField())


def as_iso_text(field: str) -> Func:
    """A timestamp as `datetime.isoformat()` writes it in UTC (microseconds only when not
    zero), rendered by PostgreSQL for exports the database writes itself."""
    return Func(
        F(field),
        template=(
            "REPLACE(TO_CHAR(%(expressions)s AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'), '.000000+', '+')"
        ),
        output_field=models.TextField(),
    )


def moment(text: str | None) -> datetime | None:
    """A timestamp fetched with `as_text`: PostgreSQL renders it in UTC (the connection's
    time zone) with its offset; SQLite stores naive UTC."""
    if text is None:
        return None
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def pull_request_timestamps(*, query: MetricsQuery) -> list[tuple]:
    """(end_moment, first_commit_at, opened_at, first_review_at, merged_at, shipped_at,
    title_failed) of the counted PRs: `title_failed` is the reference's failure-title rule
    (`PullRequest.title_marks_failure`), read here so the rule costs no second scan."""
    rows = (
        pull_requests_counted(query=query)
        .annotate(title_failed=F("title_marks_failure"))
        .order_by()
        .values_list(
            as_text("first_commit_at"),
            as_text("opened_at"),
            as_text("first_review_at"),
            as_text("merged_at"),
            as_text("shipped_at"),
            "title_failed",
        )
    )
    # PostgreSQL's text carries the offset, so fromisoformat alone is `moment` there (a
    # Python call per timestamp was a tenth of a 52-week page).
    parse = datetime.fromisoformat if connection.vendor == "postgresql" else moment
    result = []
    for first_commit_at, opened_at, first_review_at, merged_at, shipped_at, title_failed in rows:
        merged = parse(merged_at)
        shipped = parse(shipped_at) if shipped_at is not None else None
        # Counted PRs end at the deploy moment, or at the merge (never-deployed repository).
        result.append(
            (
                shipped or merged,
                parse(first_commit_at) if first_commit_at is not None else None,
                parse(opened_at) if opened_at is not None else None,
                parse(first_review_at) if first_review_at is not None else None,
                merged,
                shipped,
                bool(title_failed),
            )
        )
    return result


# The lead-time columns summarized per PR, in seconds (see `calculations.lead_time_parts`):
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


def lead_time_seconds() -> dict[str, Case]:
    """LEAD_TIME_SPANS as PostgreSQL expressions over `pull_requests_scoped` (seconds as a
    float, clamped at zero, null when an end is unknown): what `calculations.lead_time_parts`
    gives in Python. PostgreSQL only (EXTRACT of an interval)."""
    spans = {}
    for name, (later, earlier) in LEAD_TIME_SPANS.items():
        seconds = Func(
            ExpressionWrapper(F(later) - F(earlier), output_field=DurationField()),
            # EXTRACT is exact (numeric); DATE_PART's float arithmetic was off in the last
            # digit from Python's total_seconds() for spans of days.
            template="EXTRACT(EPOCH FROM %(expressions)s)::double precision",
            output_field=FloatField(),
        )
        spans[name] = Case(
            When(LessThan(seconds, 0), then=Value(0.0)),
            default=seconds,
            output_field=FloatField(),
        )
    return spans


def lead_time_summaries(*, query: MetricsQuery, fractions: tuple[float, ...]) -> list[tuple]:
    """Lead-time aggregates of the counted PRs, computed by PostgreSQL: one row per period
    (the UTC period of the PR's end, a date) and a last row for the whole range (None):

        (period, pull_requests, merge_based, title_failed,
         then per LEAD_TIME_SPANS: count, [percentile for each of `fractions`])

    Percentiles are `percentile_cont`, the interpolation `calculations.percentile` does (a
    test holds the two paths equal). Raw SQL around the ORM's query of the counted PRs,
    because Django has no GROUP BY ROLLUP: one pass gives the periods and the range, and
    the timestamps (`shipped_at` may be a subquery) are computed once per PR.
    """
    counted = (
        pull_requests_counted(query=query)
        .order_by()
        .values(
            "end_moment",
            "first_commit_at",
            "opened_at",
            "first_review_at",
            "merged_at",
            "shipped_at",
            title_failed=F("title_marks_failure"),
        )
    )
    sql, params = counted.query.sql_with_params()
    unit = _TRUNC_UNITS[query.granularity]
    spans = ", ".join(
        f"DATE_PART('epoch', {later} - {earlier}) AS {name}"
        for name, (later, earlier) in LEAD_TIME_SPANS.items()
    )
    fraction_array = "ARRAY[" + ", ".join(str(float(f)) for f in fractions) + "]"
    # A part never goes below zero (`calculations._seconds`); NULL (an unknown end) stays
    # NULL, which COUNT and percentile_cont skip.
    aggregates = ", ".join(
        f"COUNT({name}), percentile_cont({fraction_array}) WITHIN GROUP "
        f"(ORDER BY CASE WHEN {name} < 0 THEN 0.0 ELSE {name} END)"
        for name in LEAD_TIME_SPANS
    )
    # Only constants and the ORM's own SQL are interpolated; values travel as params.
    statement = f"""
        SELECT period, COUNT(*), COUNT(*) FILTER (WHERE shipped_at IS NULL),
            COUNT(*) FILTER (WHERE title_failed), {aggregates}
        FROM (
            SELECT prs.*, {spans}, (DATE_TRUNC('{unit}',
                end_moment AT TIME ZONE 'UTC'))::date AS period
            FROM ({sql}) AS prs
        ) AS counted
        GROUP BY ROLLUP (period) ORDER BY period NULLS LAST
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def pull_request_title_failure_counts(*, query: MetricsQuery) -> dict[str, int]:
    return pull_requests_counted(query=query).aggregate(
        total=Count("pk"), failed=Count("pk", filter=Q(title_marks_failure=True))
    )


def unmatched_shas_by_repository(*, query: MetricsQuery) -> list[dict]:
    """SHAs of the selected deployments that never matched a known commit, per repository."""
    return list(
        DeploymentCommit.objects.filter(
            deployment__in=deployments_for_query(query=query).values("pk"), commit__isnull=True
        )
        .values(repository=F("deployment__repository__full_name"))
        .annotate(shas=Count("sha", distinct=True))
        .order_by("-shas", "repository")
    )


def deployments_table(*, query: MetricsQuery) -> QuerySet[Deployment]:
    """Deployments for the drilldown table and CSV, with the columns they sort on."""
    shipped = (
        DeploymentPullRequest.objects.filter(deployment=OuterRef("pk"))
        .order_by()
        .values("deployment")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        deployments_for_query(query=query)
        .select_related("repository")
        .annotate(
            pull_request_count=Coalesce(Subquery(shipped), 0),
            display=Coalesce(NullIf("title", Value("")), "default_title"),
        )
    )


def deployment_team_names(*, query: MetricsQuery, deployment_ids) -> list[tuple[int, str]]:
    """(deployment id, team name) for the attributed teams of these deployments of the
    query's range: bounded by the range too, so a CSV's thousands of deployments read the
    range of the (organization, deployed_on) index instead of every team row."""
    return list(
        DeploymentTeam.objects.filter(
            organization=query.organization,
            deployed_on__gte=query.start,
            deployed_on__lte=query.end,
            deployment_id__in=deployment_ids,
        )
        .order_by()
        .values_list("deployment_id", "team__name")
    )


def team_names_joined() -> Subquery:
    """A deployment's attributed team names joined by ";", sorted as Python sorts text (code
    points, not the database's collation): the CSV's teams cell, written by PostgreSQL."""
    return Subquery(
        DeploymentTeam.objects.filter(deployment=OuterRef("pk"))
        .order_by()
        .values("deployment")
        .annotate(names=StringAgg("team__name", ";", order_by=Collate("team__name", "C")))
        .values("names")
    )


def tags_joined() -> Func:
    """A deployment's tags joined by ";", in the order sent (PostgreSQL)."""
    return Func(
        "tags",
        template="ARRAY_TO_STRING(ARRAY(SELECT JSONB_ARRAY_ELEMENTS_TEXT(%(expressions)s)), ';')",
        output_field=models.TextField(),
    )


def pull_requests_table(*, query: MetricsQuery) -> QuerySet[PullRequest]:
    """Counted PRs for the drilldown table and CSV, with lead time to sort on.

    `end_order` equals `end_moment` on every counted PR (it ends at the deploy moment, else
    at the merge) and is never null: without environments it is the expression of the
    `pr_org_end_order` index, so the newest-first page reads the index from the range's
    end instead of sorting the range's PRs."""
    queryset = (
        pull_requests_counted(query=query)
        .select_related("repository", "author")
        .annotate(
            lead_time=ExpressionWrapper(
                F("end_moment") - F("first_commit_at"), output_field=DurationField()
            ),
            end_order=Coalesce("shipped_at", "merged_at"),
        )
    )
    if not query.environments:
        # Implied by the counted rule; stated on the indexed expression, it bounds the
        # index scan to the range (a drilldown of an old week starts at that week).
        queryset = queryset.filter(end_order__gte=query.start_at, end_order__lt=query.end_before)
    return queryset


def environment_names(*, organization: Organization) -> list[str]:
    """The environment names the organization's deployments use, in one query that probes
    the (organization, environment_name, …) index once per name instead of reading every
    deployment: a recursive "next name after this one"."""
    sql = """
        WITH RECURSIVE names(name) AS (
            SELECT MIN(environment_name) FROM deployments_deployment WHERE organization_id = %s
            UNION ALL
            SELECT (
                SELECT MIN(environment_name) FROM deployments_deployment
                WHERE organization_id = %s AND environment_name > names.name
            )
            FROM names WHERE names.name IS NOT NULL
        )
        SELECT name FROM names WHERE name IS NOT NULL
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [organization.pk, organization.pk])
        return [name for (name,) in cursor.fetchall()]


def recent_tag_names(*, organization: Organization, since: datetime) -> list[str]:
    """Tags carried by the organization's deployments since `since`."""
    tag_lists = (
        Deployment.objects.filter(organization=organization, deployed_at__gte=since)
        .exclude(tags=[])
        .order_by()
        .values_list("tags", flat=True)
        .distinct()
    )
    return sorted({tag for tags in tag_lists for tag in tags if isinstance(tag, str)})


def organization_has_data(*, organization: Organization) -> dict[str, bool]:
    return {
        "deployments": Deployment.objects.filter(organization=organization).exists(),
        "pull_requests": PullRequest.objects.filter(organization=organization).exists(),
    }
