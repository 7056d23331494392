"""Why a deployment counts, or the first reason it is left out: the one place the rule lives."""

from django.db import models
from django.db.models import Case, QuerySet, Value, When

from deployments.counting import deployment_counted_q, environment_counted_q
from deployments.models import ContributorRank, Deployment
from organizations.models import Organization


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
    """Deployments that may count at all: not tests, in a counted environment
    (`deployment_counted_q`)."""
    return Deployment.objects.filter(deployment_counted_q(organization), organization=organization)


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
    # Empty when every environment counts (`environment_counted_q`): no reason to give.
    if environment_counted := environment_counted_q(organization):
        whens.append(When(~environment_counted, then=Value(Status.ENVIRONMENT_NOT_COUNTED)))
    whens += [
        When(contributor_rank=rank, then=Value(status)) for rank, status in STATUS_BY_RANK.items()
    ]
    status = Case(*whens, default=Value(Status.NO_KNOWN_COMMITS), output_field=models.CharField())
    return queryset.annotate(status=status)
