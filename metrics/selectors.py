"""Querysets behind the metrics: which deployments and pull requests count, and why not.

Everything here is scoped by the query's organization and evaluated in the database; the
calculations module turns these querysets into numbers.
"""

import json
from datetime import UTC

from django.db import models
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf, Trunc

from deployments.models import Deployment, DeploymentCommit, DeploymentPullRequest
from metrics.query import MetricsQuery
from organizations.models import Contributor, Organization
from repositories.models import PullRequest

# Tags that mark a failed deployment, and the reference's PR-title words for a failure fix.
FAILURE_TAGS = ("is_failure", "rollback")
FAILURE_TITLE_WORDS = ("rollback", "hotfix", "revert", "[cfr]")


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


def tags_q(tags) -> Q:
    """Deployments carrying any of `tags` (case-insensitive, whole tag).

    JSONField `contains` is not available on SQLite, so this matches the quoted tag in the
    JSON text. PostgreSQL renders jsonb text unescaped and SQLite stores json.dumps output
    (non-ASCII escaped), so both spellings are tried.
    """
    condition = Q(pk__in=[])
    for tag in tags:
        condition |= Q(tags__icontains=f'"{tag}"') | Q(tags__icontains=json.dumps(tag))
    return condition


def failure_q() -> Q:
    return tags_q(FAILURE_TAGS)


def failure_title_q() -> Q:
    condition = Q(pk__in=[])
    for word in FAILURE_TITLE_WORDS:
        condition |= Q(title__icontains=word)
    return condition


def counted_deployments(*, organization: Organization) -> QuerySet[Deployment]:
    """Deployments that may count at all: not tests, in a counted environment."""
    queryset = Deployment.objects.filter(organization=organization, is_test=False)
    if organization.counted_environments:
        queryset = queryset.filter(environment_name__in=organization.counted_environments)
    return queryset


def _contributor_commits(**conditions) -> QuerySet[DeploymentCommit]:
    return DeploymentCommit.objects.filter(
        deployment=OuterRef("pk"), commit__contributor__is_tracked=True, **conditions
    )


def deployments_with_status(
    queryset: QuerySet[Deployment], *, organization: Organization
) -> QuerySet[Deployment]:
    """Annotates `status`: counted, bots only, or the first reason it is left out."""
    matched = DeploymentCommit.objects.filter(deployment=OuterRef("pk"), commit__isnull=False)
    whens = [When(is_test=True, then=Value(Status.TEST))]
    if organization.counted_environments:
        whens.append(
            When(
                ~Q(environment_name__in=organization.counted_environments),
                then=Value(Status.ENVIRONMENT_NOT_COUNTED),
            )
        )
    whens += [
        When(~Exists(matched), then=Value(Status.NO_KNOWN_COMMITS)),
        When(~Exists(_contributor_commits()), then=Value(Status.NO_CONTRIBUTOR_COMMITS)),
        When(
            ~Exists(_contributor_commits(commit__contributor__is_bot=False)),
            then=Value(Status.BOTS_ONLY),
        ),
    ]
    return queryset.annotate(
        status=Case(*whens, default=Value(Status.COUNTED), output_field=models.CharField())
    )


def deployments_filter(queryset: QuerySet[Deployment], *, query: MetricsQuery) -> QuerySet:
    """Deployments in the range and slice of `query`, each annotated with its `status`."""
    queryset = deployments_with_status(
        queryset.filter(organization=query.organization), organization=query.organization
    ).filter(deployed_at__gte=query.start_at, deployed_at__lt=query.end_before)
    if query.repositories:
        queryset = queryset.filter(repository__full_name__in=query.repositories)
    if query.environments:
        queryset = queryset.filter(environment_name__in=query.environments)
    if query.tags:
        queryset = queryset.filter(tags_q(query.tags))
    if query.teams:
        team_commits = _contributor_commits(
            commit__contributor__is_bot=False, commit__contributor__teams__slug__in=query.teams
        )
        queryset = queryset.filter(Exists(team_commits))
    return queryset


def deployments_for_query(*, query: MetricsQuery) -> QuerySet[Deployment]:
    return deployments_filter(Deployment.objects.all(), query=query)


def period_trunc(field: str, granularity: str) -> Trunc:
    return Trunc(field, granularity, output_field=DateTimeField(), tzinfo=UTC)


def deployment_counts_by_period_and_status(*, query: MetricsQuery) -> list[dict]:
    """Rows of {period, status, deployments}, counted by the database."""
    return list(
        deployments_for_query(query=query)
        .annotate(period=period_trunc("deployed_at", query.granularity))
        .values("period", "status")
        .annotate(deployments=Count("pk"))
        .order_by()
    )


def deployment_counts_by_period_and_team(*, query: MetricsQuery) -> list[dict]:
    """Rows of {period, team, deployments}: a deployment counts once for every team whose
    tracked, human contributor authored one of its matched commits."""
    counted = deployments_for_query(query=query).filter(status=Status.COUNTED)
    return list(
        DeploymentCommit.objects.filter(
            deployment__in=counted.values("pk"),
            commit__contributor__is_tracked=True,
            commit__contributor__is_bot=False,
        )
        .annotate(
            period=period_trunc("deployment__deployed_at", query.granularity),
            team=F("commit__contributor__teams__slug"),
        )
        .values("period", "team")
        .annotate(deployments=Count("deployment", distinct=True))
        .order_by()
    )


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
        .exclude(failure_q())
        .order_by("deployed_at")
        .values("deployed_at")[:1]
    )
    return list(
        deployments_for_query(query=query)
        .filter(failure_q(), status__in=ORGANIZATION_LINE)
        .annotate(recovered_at=Subquery(next_good))
        .values_list("deployed_at", "recovered_at")
    )


def deployment_failure_counts(*, query: MetricsQuery) -> dict[str, int]:
    return (
        deployments_for_query(query=query)
        .filter(status__in=ORGANIZATION_LINE)
        .aggregate(total=Count("pk"), failed=Count("pk", filter=failure_q()))
    )


def pull_requests_scoped(*, query: MetricsQuery) -> QuerySet[PullRequest]:
    """Merged PRs by tracked contributors in the query's slice, annotated with:

    - `shipped_at`: the deploy moment (within the selected environments, if any);
    - `repository_deployed`: the repository has ever received a counted deployment;
    - `end_moment`: where lead time ends — the deploy moment, else the merge when the
      repository never received a deployment, else null ("merged, not deployed").
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
    queryset = (
        PullRequest.objects.filter(
            organization=organization, merged_at__isnull=False, author__is_tracked=True
        )
        .annotate(
            shipped_at=shipped_at,
            repository_deployed=Exists(counted.filter(repository=OuterRef("repository"))),
        )
        .annotate(
            end_moment=Case(
                When(shipped_at__isnull=False, then=F("shipped_at")),
                When(repository_deployed=False, then=F("merged_at")),
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
        tagged = DeploymentPullRequest.objects.filter(
            Q(pull_request=OuterRef("pk")),
            Q(deployment__in=counted.filter(tags_q(query.tags)).values("pk")),
        )
        queryset = queryset.filter(Exists(tagged))
    return queryset


def pull_requests_counted(*, query: MetricsQuery) -> QuerySet[PullRequest]:
    """PRs whose lead time ends in the range: grouped by deploy moment (or merge, flagged)."""
    return pull_requests_scoped(query=query).filter(
        end_moment__gte=query.start_at, end_moment__lt=query.end_before
    )


def pull_requests_merged_not_deployed(*, query: MetricsQuery) -> QuerySet[PullRequest]:
    """PRs merged in the range in a deployed repository that no counted deployment ships."""
    return pull_requests_scoped(query=query).filter(
        merged_at__gte=query.start_at, merged_at__lt=query.end_before, end_moment__isnull=True
    )


def pull_request_timestamps(*, query: MetricsQuery) -> list[tuple]:
    """(end_moment, first_commit_at, opened_at, first_review_at, merged_at, shipped_at)."""
    return list(
        pull_requests_counted(query=query)
        .order_by()
        .values_list(
            "end_moment",
            "first_commit_at",
            "opened_at",
            "first_review_at",
            "merged_at",
            "shipped_at",
        )
    )


def pull_request_title_failure_counts(*, query: MetricsQuery) -> dict[str, int]:
    return pull_requests_counted(query=query).aggregate(
        total=Count("pk"), failed=Count("pk", filter=failure_title_q())
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


def deployment_team_names(*, deployment_ids) -> list[tuple[int, str]]:
    """(deployment id, team name) for the attributed teams of these deployments."""
    return list(
        DeploymentCommit.objects.filter(
            deployment_id__in=deployment_ids,
            commit__contributor__is_tracked=True,
            commit__contributor__is_bot=False,
            commit__contributor__teams__isnull=False,
        )
        .order_by()
        .values_list("deployment_id", "commit__contributor__teams__name")
        .distinct()
    )


def pull_requests_table(*, query: MetricsQuery) -> QuerySet[PullRequest]:
    """Counted PRs for the drilldown table and CSV, with lead time to sort on."""
    return (
        pull_requests_counted(query=query)
        .select_related("repository", "author")
        .annotate(
            lead_time=ExpressionWrapper(
                F("end_moment") - F("first_commit_at"), output_field=DurationField()
            )
        )
    )


def organization_has_data(*, organization: Organization) -> dict[str, bool]:
    return {
        "deployments": Deployment.objects.filter(organization=organization).exists(),
        "pull_requests": PullRequest.objects.filter(organization=organization).exists(),
    }
