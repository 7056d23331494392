"""The rows of the drilldown tables and CSV exports, with the columns they sort on."""

from django.db import models
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, NullIf

from deployments.models import Deployment, DeploymentPullRequest
from metrics.query import MetricsQuery
from metrics.selectors.deployments import deployments_for_query
from metrics.selectors.pull_requests import pull_requests_counted
from repositories.models import PullRequest


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


def tags_joined() -> Func:
    """A deployment's tags joined by ";", in the order sent (PostgreSQL)."""
    return Func(
        "tags",
        template="ARRAY_TO_STRING(ARRAY(SELECT JSONB_ARRAY_ELEMENTS_TEXT(%(expressions)s)), ';')",
        output_field=models.TextField(),
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


def pull_requests_table(*, query: MetricsQuery) -> QuerySet[PullRequest]:
    """Counted PRs for the drilldown table and CSV, with lead time to sort on.

    `end_order` equals `end_moment` on every counted PR (it ends at the deploy moment, else
    at the merge) and is never null: without environments it is the expression of the
    `pr_org_end_covering` index, so the newest-first page reads the index from the range's
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
