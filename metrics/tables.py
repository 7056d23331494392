"""Drilldown tables and CSV rows: exactly the deployments and PRs the query selects."""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet

from metrics import selectors
from metrics.calculations import LeadTime, lead_time_parts, next_period_start, period_start
from metrics.query import MetricsQuery
from metrics.selectors import Status

PAGE_SIZE = 20
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
    "deployed": "end_moment",
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


def sort_order(sort: str | None, allowed: dict[str, str], default: str) -> tuple[str, list]:
    """A validated sort key and its ORDER BY; nulls last on both databases."""
    key = sort if sort and sort.lstrip("-") in allowed else default
    column = F(allowed[key.lstrip("-")])
    expression = (
        column.desc(nulls_last=True) if key.startswith("-") else column.asc(nulls_last=True)
    )
    return key, [expression, "-pk"]


def deployment_reason(status: str) -> str:
    return "" if status == Status.COUNTED else Status(status).label


def _teams_by_deployment(deployment_ids) -> dict[int, list[str]]:
    teams = defaultdict(list)
    for deployment_id, name in selectors.deployment_team_names(deployment_ids=deployment_ids):
        teams[deployment_id].append(name)
    return {key: sorted(names) for key, names in teams.items()}


def deployments_page(*, query: MetricsQuery, sort: str | None, page: str | None) -> Page:
    """One page of deployments (counted and left out, each with why) for the drilldown."""
    _, order = sort_order(sort, DEPLOYMENT_SORTS, "-deployed")
    queryset = selectors.deployments_table(query=query_for_drilldown(query)).order_by(*order)
    result = Paginator(queryset, PAGE_SIZE).get_page(page)
    teams = _teams_by_deployment([deployment.pk for deployment in result.object_list])
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


def pull_requests_page(*, query: MetricsQuery, sort: str | None, page: str | None) -> Page:
    """One page of the counted PRs with their lead time and its parts."""
    _, order = sort_order(sort, PULL_REQUEST_SORTS, "-deployed")
    queryset = selectors.pull_requests_table(query=query_for_drilldown(query)).order_by(*order)
    result = Paginator(queryset, PAGE_SIZE).get_page(page)
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


def deployment_csv_rows(*, query: MetricsQuery, sort: str | None = None) -> Iterator[list]:
    """Every deployment the filters select (the drilldown's rows, unpaginated)."""
    queryset = selectors.deployments_table(query=query_for_drilldown(query))
    teams = _teams_by_deployment(queryset.values("pk"))
    yield DEPLOYMENT_CSV_HEADER
    for deployment in _ordered(queryset, sort, DEPLOYMENT_SORTS, "-deployed").iterator():
        yield [
            deployment.deployed_at.isoformat(),
            deployment.display,
            deployment.repository.full_name if deployment.repository else "",
            deployment.environment_name,
            deployment.pull_request_count,
            ";".join(deployment.tags),
            ";".join(teams.get(deployment.pk, [])),
            "yes" if deployment.status in selectors.ORGANIZATION_LINE else "no",
            deployment_reason(deployment.status),
        ]


def pull_request_csv_rows(*, query: MetricsQuery, sort: str | None = None) -> Iterator[list]:
    """Every counted PR the filters select, with lead time and its parts in seconds."""
    queryset = selectors.pull_requests_table(query=query_for_drilldown(query))
    yield PULL_REQUEST_CSV_HEADER
    for pull_request in _ordered(queryset, sort, PULL_REQUEST_SORTS, "-deployed").iterator():
        lead = _lead_time_of(pull_request)
        yield [
            pull_request.repository.full_name,
            pull_request.number,
            pull_request.title,
            pull_request.author.display_name,
            pull_request.merged_at.isoformat(),
            pull_request.shipped_at.isoformat() if pull_request.shipped_at else "",
            "yes" if lead.merge_based else "no",
            *(lead.total, lead.coding, lead.review_wait, lead.editing, lead.deploy),
        ]
