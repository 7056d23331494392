"""Small builders for metric fixtures: exact timestamps, explicit links."""

import hashlib
from datetime import UTC, date, datetime

from deployments.attribution import deployments_attribute
from deployments.deploy_moments import pull_requests_refresh_deploy_moment
from deployments.models import Deployment, DeploymentCommit, DeploymentPullRequest
from metrics.query import MetricsQuery
from tests.factories import make_commit, make_pull_request, make_sha


def at(day: str, hour: int = 0, minute: int = 0) -> datetime:
    """at("2026-01-05", 9) → 2026-01-05 09:00 UTC."""
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


def make_deployment(
    organization,
    *,
    commits=(),
    unknown_shas=(),
    pull_requests=(),
    deployed_at: datetime,
    environment: str = "production",
    tags=(),
    is_test: bool = False,
    title: str = "",
) -> Deployment:
    """A deployment as linking leaves it: matched commits, unknown SHAs, shipped PRs, and the
    shipped PRs' deploy_moment refreshed by the deployments app's own rule."""
    shas = [commit.sha for commit in commits] + list(unknown_shas)
    deployment = Deployment.objects.create(
        organization=organization,
        repository=commits[0].repository if commits else None,
        environment_name=environment,
        deployed_at=deployed_at,
        received_at=deployed_at,
        title=title,
        default_title=commits[-1].message if commits else "",
        tags=list(tags),
        is_test=is_test,
        shas=shas,
        dedupe_key=hashlib.sha256("\n".join(sorted(shas)).encode()).hexdigest(),
    )
    DeploymentCommit.objects.bulk_create(
        [
            DeploymentCommit(
                organization=organization,
                deployment=deployment,
                sha=sha,
                position=position,
                commit=commits[position] if position < len(commits) else None,
                contributor=commits[position].contributor if position < len(commits) else None,
            )
            for position, sha in enumerate(shas)
        ]
    )
    deployments_attribute(deployment_ids=[deployment.pk])
    DeploymentPullRequest.objects.bulk_create(
        [
            DeploymentPullRequest(
                organization_id=deployment.organization_id, deployment=deployment, pull_request=pr
            )
            for pr in pull_requests
        ]
    )
    pull_requests_refresh_deploy_moment(
        organization_id=deployment.organization_id,
        pull_request_ids=[pr.pk for pr in pull_requests],
    )
    return deployment


def make_merged_pr(
    repository,
    *,
    author,
    first_commit_at: datetime | None,
    merged_at: datetime,
    opened_at: datetime | None = None,
    first_review_at: datetime | None = None,
    title: str = "A pull request",
):
    """A merged PR with one commit by its author at first_commit_at (or at merge)."""
    commit = make_commit(
        repository, make_sha(), contributor=author, at=first_commit_at or merged_at
    )
    pull_request = make_pull_request(
        repository,
        author=author,
        commits=[commit],
        merged_at=merged_at,
        opened_at=opened_at,
        first_review_at=first_review_at,
        first_commit_at=first_commit_at,
        title=title,
    )
    pull_request.commit = commit
    return pull_request


def make_query(organization, start: str, end: str, **fields) -> MetricsQuery:
    return MetricsQuery(
        organization=organization,
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
        **fields,
    )
