"""Drilldown tables and CSV exports: exactly the deployments and PRs the query selects."""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, F, Prefetch, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Concat, Left, NullIf
from django.db.models.lookups import In
from django.utils.functional import cached_property

from metrics.periods import next_period_start, period_start
from metrics.query import MetricsQuery
from metrics.selectors.drilldowns import (
    as_iso_text,
    deployments_table,
    pull_requests_table,
    tags_joined,
)
from metrics.selectors.failures import failed_q, rework_q
from metrics.selectors.pull_requests import LEAD_TIME_SPANS, lead_time_seconds
from metrics.selectors.status import ORGANIZATION_LINE, Status
from metrics.selectors.teams import deployment_team_names, team_names_joined
from repositories.models import PullRequest

PAGE_SIZE = 20
# Rows per streamed chunk of a CSV.
CSV_CHUNK_ROWS = 500
# URL sort key → the column it orders by; "-key" is descending.
DEPLOYMENT_SORTS = {
    "deployed": "deployed_at",
    "title": "display",
    "repository": "repository__full_name",
    "environment": "environment_name",
    "prs": "pull_request_count",
    "status": "status",
}
PULL_REQUEST_SORTS = {
    "deployed": "end_order",
    "merged": "merged_at",
    "lead": "lead_time",
    "title": "title",
    "repository": "repository__full_name",
    "author": "author__display_name",
}


def query_for_drilldown(query: MetricsQuery) -> MetricsQuery:
    """The query narrowed to the clicked period (and still within the range)."""
    if query.period is None:
        return query
    start = period_start(query.period, query.granularity)
    end = next_period_start(start, query.granularity) - timedelta(days=1)
    return replace(query, start=max(start, query.start), end=min(end, query.end))


# Columns that are never null: ordered without NULLS LAST, which lets PostgreSQL read the
# (organization, deployed_at) and `pr_org_end_covering` indexes backwards for the default sorts
# instead of sorting the range (a btree read backwards gives DESC NULLS FIRST).
NEVER_NULL = {"deployed_at", "end_order"}


def sort_order(sort: str | None, allowed: dict[str, str], default: str) -> tuple[str, list]:
    """A validated sort key and its ORDER BY, nulls last."""
    key = sort if sort and sort.lstrip("-") in allowed else default
    name = allowed[key.lstrip("-")]
    nulls_last = None if name in NEVER_NULL else True
    column = F(name)
    expression = (
        column.desc(nulls_last=nulls_last)
        if key.startswith("-")
        else column.asc(nulls_last=nulls_last)
    )
    return key, [expression, "-pk"]


class CountedPaginator(Paginator):
    """A paginator that may be told its total: the report has usually counted the rows
    already, and counting them again would repeat a query as costly as the page's own."""

    def __init__(self, object_list, per_page, *, count: int | None = None):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        if self._known_count is not None:
            return self._known_count
        return super().count


def deployment_reason(status: str) -> str:
    return "" if status == Status.COUNTED else Status(status).label


def _teams_by_deployment(query: MetricsQuery, deployment_ids) -> dict[int, list[str]]:
    teams = defaultdict(list)
    rows = deployment_team_names(query=query, deployment_ids=deployment_ids)
    for deployment_id, name in rows:
        teams[deployment_id].append(name)
    return {key: sorted(names) for key, names in teams.items()}


def deployments_page(
    *, query: MetricsQuery, sort: str | None, page: str | None, count: int | None = None
) -> Page:
    """One page of deployments (counted and left out, each with why) for the drilldown.
    `count`: how many the query selects, when the caller knows."""
    _, order = sort_order(sort, DEPLOYMENT_SORTS, "-deployed")
    query = query_for_drilldown(query)
    # The PRs each row expands to, read for the whole page at once.
    shipped = Prefetch(
        "pull_requests",
        queryset=PullRequest.objects.select_related("repository").order_by("number"),
    )
    queryset = deployments_table(query=query).prefetch_related(shipped).order_by(*order)
    result = CountedPaginator(queryset, PAGE_SIZE, count=count).get_page(page)
    teams = _teams_by_deployment(query, [deployment.pk for deployment in result.object_list])
    for deployment in result.object_list:
        deployment.teams = teams.get(deployment.pk, [])
        deployment.reason = deployment_reason(deployment.status)
        deployment.commit_links = _commit_links(deployment)
    return result


COMMITS_SHOWN = 5


def _commit_links(deployment) -> list[tuple[str, str | None]]:
    """The first SHAs sent, short, each with its URL on the code host when the repository
    is known."""
    repository = deployment.repository
    return [
        (sha[:7], repository.commit_url(sha) if repository else None)
        for sha in deployment.shas[:COMMITS_SHOWN]
    ]


@dataclass(frozen=True)
class LeadTimeParts:
    """A PR's lead time and its parts, in seconds, as the database computes them for the
    CSV too (`lead_time_seconds`); None when a part's start or end is unknown."""

    total: float | None
    coding: float | None
    review_wait: float | None
    editing: float | None
    deploy: float | None


def _lead_time_columns() -> dict:
    return {f"lead_{name}": seconds for name, seconds in lead_time_seconds().items()}


def pull_requests_page(
    *, query: MetricsQuery, sort: str | None, page: str | None, count: int | None = None
) -> Page:
    """One page of the counted PRs with their lead time and its parts.
    `count`: how many the query selects, when the caller knows."""
    _, order = sort_order(sort, PULL_REQUEST_SORTS, "-deployed")
    queryset = (
        pull_requests_table(query=query_for_drilldown(query))
        .annotate(**_lead_time_columns())
        .order_by(*order)
    )
    result = CountedPaginator(queryset, PAGE_SIZE, count=count).get_page(page)
    for pull_request in result.object_list:
        pull_request.lead = LeadTimeParts(
            **{name: getattr(pull_request, f"lead_{name}") for name in LEAD_TIME_SPANS}
        )
    return result


DEPLOYMENT_CSV_HEADER = [
    "deployed_at",
    "title",
    "repository",
    "environment",
    "pull_requests_shipped",
    "tags",
    "teams",
    "counted",
    "left_out_because",
    "failed",
    "rework",
]
PULL_REQUEST_CSV_HEADER = [
    "repository",
    "number",
    "title",
    "author",
    "merged_at",
    "deploy_moment",
    "lead_time_ends_at_merge",
    "lead_time_seconds",
    "coding_seconds",
    "review_wait_seconds",
    "editing_seconds",
    "deploy_seconds",
]


def _ordered(queryset: QuerySet, sort: str | None, allowed: dict, default: str) -> QuerySet:
    return queryset.order_by(*sort_order(sort, allowed, default)[1])


def deployment_csv(*, query: MetricsQuery, sort: str | None = None) -> Iterator[bytes]:
    """Every deployment the filters select (the drilldown's rows, unpaginated), as CSV
    written by the database (`COPY`), as the pull-request export; text cells go through
    formula_escaped."""
    query = query_for_drilldown(query)
    queryset = _ordered(deployments_table(query=query), sort, DEPLOYMENT_SORTS, "-deployed")
    rows = queryset.values_list(
        as_iso_text("deployed_at"),
        _text_cell("display"),
        _text_cell("repository__full_name"),
        _text_cell("environment_name"),
        "pull_request_count",
        _text_cell(tags_joined()),
        formula_escaped(team_names_joined()),
        Case(When(status__in=ORGANIZATION_LINE, then=Value("yes")), default=Value("no")),
        Case(
            *(
                When(status=status, then=Value(deployment_reason(status)))
                for status in Status
                if deployment_reason(status)
            ),
            default=None,
            output_field=TextField(),
        ),
        _counted_flag(failed_q(query=query)),
        _counted_flag(rework_q(query=query)),
    )
    return _copied_csv(rows, DEPLOYMENT_CSV_HEADER)


def _counted_flag(condition: Q) -> Case:
    """yes / no of a counted deployment (`failed_q`, `rework_q`); empty when it does not
    count, since only counted deployments fail or are rework in the metrics."""
    counted = Q(status__in=ORGANIZATION_LINE)
    return Case(
        When(counted & condition, then=Value("yes")),
        When(counted, then=Value("no")),
        default=None,
        output_field=TextField(),
    )


def _text_cell(expression) -> Case:
    # COPY quotes an empty string ("") where the csv module writes nothing.
    return formula_escaped(NullIf(expression, Value(""), output_field=TextField()))


# OWASP's rule against CSV injection: a cell starting with one of these is read as a formula
# by spreadsheets, so it gets a leading "'".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_escaped(text) -> Case:
    """The text cell (an SQL expression) with "'" prefixed when it starts like a formula:
    every text cell of every CSV export goes through it; our own numbers do not."""
    return Case(
        When(
            In(Left(text, 1), list(FORMULA_STARTS)),
            then=Concat(Value("'"), text, output_field=TextField()),
        ),
        default=text,
        output_field=TextField(),
    )


def _copied_csv(rows: QuerySet, header: list[str]) -> Iterator[bytes]:
    """`rows` (a values_list) as CSV written by PostgreSQL (`COPY … TO STDOUT`), after the
    header; streamed in chunks of CSV_CHUNK_ROWS rows."""
    sql, params = rows.query.sql_with_params()
    yield (",".join(header) + "\n").encode()
    chunk: list[bytes] = []
    with connection.cursor() as cursor:
        # Only the ORM's own SQL is interpolated; psycopg binds the parameters.
        statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
        with cursor.cursor.copy(statement, params) as copy:
            # COPY hands over one row at a time; the response is written in larger chunks.
            for row in copy:
                chunk.append(bytes(row))
                if len(chunk) == CSV_CHUNK_ROWS:
                    yield b"".join(chunk)
                    chunk.clear()
    yield b"".join(chunk)


_PULL_REQUEST_COLUMNS = ("repository__full_name", "number", "title", "author__display_name")


def pull_request_csv(*, query: MetricsQuery, sort: str | None = None) -> Iterator[bytes]:
    """Every counted PR the filters select, with lead time and its parts in seconds, as CSV
    written by the database (`COPY … TO STDOUT`): a large export streams at the speed
    PostgreSQL formats rows, with no Python object per row or cell."""
    queryset = _ordered(
        pull_requests_table(query=query_for_drilldown(query)),
        sort,
        PULL_REQUEST_SORTS,
        "-deployed",
    )
    rows = queryset.values_list(
        *(
            column if column == "number" else _text_cell(column)
            for column in _PULL_REQUEST_COLUMNS
        ),
        as_iso_text("merged_at"),
        as_iso_text("shipped_at"),
        Case(When(shipped_at__isnull=True, then=Value("yes")), default=Value("no")),
        *lead_time_seconds().values(),
    )
    return _copied_csv(rows, PULL_REQUEST_CSV_HEADER)
