"""Drilldown tables and CSV exports: exactly the deployments and PRs the query selects."""

import csv
import io
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import timedelta

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, F, QuerySet, TextField, Value, When
from django.db.models.functions import NullIf
from django.utils.functional import cached_property

from metrics import selectors
from metrics.calculations import LeadTime, lead_time_parts, next_period_start, period_start
from metrics.query import MetricsQuery
from metrics.selectors import Status

PAGE_SIZE = 20
# Rows per streamed chunk of a CSV (and per database round trip on the Python path).
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
    return query.narrowed(start=max(start, query.start), end=min(end, query.end))


# Columns that are never null: ordered without NULLS LAST, which lets PostgreSQL read the
# (organization, deployed_at) and `pr_org_end_order` indexes backwards for the default sorts
# instead of sorting the range (a btree read backwards gives DESC NULLS FIRST).
NEVER_NULL = {"deployed_at", "end_order"}


def sort_order(sort: str | None, allowed: dict[str, str], default: str) -> tuple[str, list]:
    """A validated sort key and its ORDER BY; nulls last on both databases."""
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
    already, and counting them again was a query as slow as the page itself."""

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
    rows = selectors.deployment_team_names(query=query, deployment_ids=deployment_ids)
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
    queryset = selectors.deployments_table(query=query).order_by(*order)
    result = CountedPaginator(queryset, PAGE_SIZE, count=count).get_page(page)
    teams = _teams_by_deployment(query, [deployment.pk for deployment in result.object_list])
    for deployment in result.object_list:
        deployment.teams = teams.get(deployment.pk, [])
        deployment.reason = deployment_reason(deployment.status)
    return result


def _lead_time_of(pull_request) -> LeadTime:
    return lead_time_parts(
        end_moment=pull_request.end_moment,
        first_commit_at=pull_request.first_commit_at,
        opened_at=pull_request.opened_at,
        first_review_at=pull_request.first_review_at,
        merged_at=pull_request.merged_at,
        shipped_at=pull_request.shipped_at,
    )


def pull_requests_page(
    *, query: MetricsQuery, sort: str | None, page: str | None, count: int | None = None
) -> Page:
    """One page of the counted PRs with their lead time and its parts.
    `count`: how many the query selects, when the caller knows."""
    _, order = sort_order(sort, PULL_REQUEST_SORTS, "-deployed")
    queryset = selectors.pull_requests_table(query=query_for_drilldown(query)).order_by(*order)
    result = CountedPaginator(queryset, PAGE_SIZE, count=count).get_page(page)
    for pull_request in result.object_list:
        pull_request.lead = _lead_time_of(pull_request)
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


def csv_text(rows: Iterable[list], *, size: int = CSV_CHUNK_ROWS) -> Iterator[str]:
    """CSV text in chunks of `size` rows: one tiny chunk per row cost more than the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for batch in iter(lambda: list(itertools.islice(rows, size)), []):
        writer.writerows(batch)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def deployment_csv(*, query: MetricsQuery, sort: str | None = None) -> Iterator[str | bytes]:
    """Every deployment the filters select (the drilldown's rows, unpaginated), as CSV.

    On PostgreSQL the database writes it (`COPY`), as the pull-request export; a test holds
    the two paths to the same cells."""
    query = query_for_drilldown(query)
    queryset = _ordered(
        selectors.deployments_table(query=query), sort, DEPLOYMENT_SORTS, "-deployed"
    )
    if connection.vendor == "postgresql":
        return _deployment_csv_from_database(queryset)
    return csv_text(itertools.chain([DEPLOYMENT_CSV_HEADER], _deployment_rows(query, queryset)))


def _deployment_rows(query: MetricsQuery, queryset: QuerySet) -> Iterator[list]:
    """A row per deployment: plain values with text timestamps (see `selectors.as_text`),
    not a model object per row."""
    teams = _teams_by_deployment(query, queryset.values("pk"))
    rows = queryset.values_list(
        "pk",
        selectors.as_text("deployed_at"),
        "display",
        "repository__full_name",
        "environment_name",
        "pull_request_count",
        "tags",
        "status",
    )
    for pk, deployed_at, display, repository, environment, shipped, tags, status in rows.iterator(
        chunk_size=CSV_CHUNK_ROWS
    ):
        yield [
            selectors.moment(deployed_at).isoformat(),
            display,
            repository or "",
            environment,
            shipped,
            ";".join(tags),
            ";".join(teams.get(pk, [])),
            "yes" if status in selectors.ORGANIZATION_LINE else "no",
            deployment_reason(status),
        ]


def _deployment_csv_from_database(queryset: QuerySet) -> Iterator[bytes]:
    rows = queryset.values_list(
        selectors.as_iso_text("deployed_at"),
        _text_or_null("display"),
        _text_or_null("repository__full_name"),
        _text_or_null("environment_name"),
        "pull_request_count",
        _text_or_null(selectors.tags_joined()),
        selectors.team_names_joined(),
        Case(When(status__in=selectors.ORGANIZATION_LINE, then=Value("yes")), default=Value("no")),
        Case(
            *(
                When(status=status, then=Value(deployment_reason(status)))
                for status in selectors.Status
                if deployment_reason(status)
            ),
            default=None,
            output_field=TextField(),
        ),
    )
    return _copied_csv(rows, DEPLOYMENT_CSV_HEADER)


def _text_or_null(expression) -> NullIf:
    # COPY quotes an empty string ("") where the csv module writes nothing.
    return NullIf(expression, Value(""), output_field=TextField())


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


def pull_request_csv(*, query: MetricsQuery, sort: str | None = None) -> Iterator[str | bytes]:
    """Every counted PR the filters select, with lead time and its parts in seconds, as CSV.

    On PostgreSQL the database writes the CSV itself (`COPY … TO STDOUT`): formatting a
    12-week export's ~12,000 rows in Python was two thirds of its time. A test holds the
    two paths to the same cells."""
    queryset = _ordered(
        selectors.pull_requests_table(query=query_for_drilldown(query)),
        sort,
        PULL_REQUEST_SORTS,
        "-deployed",
    )
    if connection.vendor == "postgresql":
        return _pull_request_csv_from_database(queryset)
    return csv_text(itertools.chain([PULL_REQUEST_CSV_HEADER], _pull_request_rows(queryset)))


_PULL_REQUEST_COLUMNS = ("repository__full_name", "number", "title", "author__display_name")


def _pull_request_csv_from_database(queryset: QuerySet) -> Iterator[bytes]:
    rows = queryset.values_list(
        *(
            column if column == "number" else _text_or_null(column)
            for column in _PULL_REQUEST_COLUMNS
        ),
        selectors.as_iso_text("merged_at"),
        selectors.as_iso_text("shipped_at"),
        Case(When(shipped_at__isnull=True, then=Value("yes")), default=Value("no")),
        *selectors.lead_time_seconds().values(),
    )
    return _copied_csv(rows, PULL_REQUEST_CSV_HEADER)


def _pull_request_rows(queryset: QuerySet) -> Iterator[list]:
    rows = queryset.values_list(
        *_PULL_REQUEST_COLUMNS,
        *(
            selectors.as_text(column)
            for column in ("end_moment", "first_commit_at", "opened_at", "first_review_at")
        ),
        selectors.as_text("merged_at"),
        selectors.as_text("shipped_at"),
    )
    moment = selectors.moment
    for repository, number, title, author, *timestamps in rows.iterator(chunk_size=CSV_CHUNK_ROWS):
        end_moment, first_commit_at, opened_at, first_review_at, merged_at, shipped_at = map(
            moment, timestamps
        )
        lead = lead_time_parts(
            end_moment=end_moment,
            first_commit_at=first_commit_at,
            opened_at=opened_at,
            first_review_at=first_review_at,
            merged_at=merged_at,
            shipped_at=shipped_at,
        )
        yield [
            repository,
            number,
            title,
            author,
            merged_at.isoformat(),
            shipped_at.isoformat() if shipped_at else "",
            "yes" if lead.merge_based else "no",
            *map(
                _seconds_text,
                (lead.total, lead.coding, lead.review_wait, lead.editing, lead.deploy),
            ),
        ]


def _seconds_text(seconds: float | None) -> str:
    """As PostgreSQL writes a double precision: its shortest exact digits, 3600.0 as 3600."""
    return "" if seconds is None else repr(seconds).removesuffix(".0")
