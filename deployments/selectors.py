from django.db.models import QuerySet

from deployments.models import Deployment
from organizations.models import Organization


def deployment_list(*, organization: Organization, include_tests: bool = False) -> QuerySet:
    """The organization's deployments, newest deployedAt first (ties: latest recorded first)."""
    deployments = Deployment.objects.filter(organization=organization).select_related("repository")
    if not include_tests:
        deployments = deployments.filter(is_test=False)
    return deployments.order_by("-deployed_at", "-id")


def deployment_page(*, deployments: QuerySet, page: int, page_size: int) -> dict:
    """Page 2 of size 20 holds items 21–40; a page past the end is empty, not an error."""
    start = (page - 1) * page_size
    return {
        "count": deployments.count(),
        "page": page,
        "page_size": page_size,
        "results": list(deployments[start : start + page_size]),
    }
