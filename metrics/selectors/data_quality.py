"""What was received but does not count: the dashboard's data-quality panel."""

from datetime import UTC, date

from django.db.models import Count, F, QuerySet

from deployments.models import Deployment, DeploymentCommit
from metrics.query import MetricsQuery
from metrics.selectors.deployments import deployments_for_query, deployments_slice_q
from metrics.selectors.pull_requests import pull_requests_scoped, undeployed_repository_ids
from organizations.models import Organization
from repositories.models import PullRequest


def pull_requests_merged_not_deployed(*, query: MetricsQuery) -> QuerySet[PullRequest]:
    """PRs merged in the range in a deployed repository that no counted deployment ships."""
    undeployed = undeployed_repository_ids(query)
    return (
        pull_requests_scoped(query=query)
        .filter(merged_at__gte=query.start_at, merged_at__lt=query.end_before)
        .filter(shipped_at__isnull=True)
        .exclude(repository__in=undeployed)
    )


def unmatched_shas_by_repository(*, query: MetricsQuery) -> list[dict]:
    """SHAs of the selected deployments that never matched a known commit, per repository."""
    # The slice on the joined deployment too (`deployments_slice_q`), so the planner joins
    # the range's deployments by their primary key instead of scanning every deployment.
    return list(
        DeploymentCommit.objects.filter(
            deployments_slice_q(query, prefix="deployment__"),
            deployment__in=deployments_for_query(query=query).values("pk"),
            commit__isnull=True,
        )
        .values(repository=F("deployment__repository__full_name"))
        .annotate(shas=Count("sha", distinct=True))
        .order_by("-shas", "repository")
    )


def organization_has_data(*, organization: Organization) -> dict[str, bool]:
    return {
        "deployments": Deployment.objects.filter(organization=organization).exists(),
        "pull_requests": PullRequest.objects.filter(organization=organization).exists(),
    }


def organization_first_deployed_on(*, organization) -> date | None:
    """The UTC day of the organization's first deployment that is not a test (any
    environment, any repository): where its data starts."""
    first = (
        Deployment.objects.filter(organization=organization, is_test=False)
        .order_by("deployed_at")
        .values_list("deployed_at", flat=True)
        .first()
    )
    return first.astimezone(UTC).date() if first else None
