"""Who a deployment is attributed to, derived at write time.

A deployment's `contributor_rank` (the best author among its matched commits) and its
DeploymentTeam rows (the teams of the tracked people among those authors) are what the
metrics count by. They depend on linking (which commits matched, and their contributors)
and on the contributors (tracked, bot, teams), so both call `deployments_attribute` when
they change: the deployment service and relinking directly, contributor changes through
signals (deployments.apps). `tests/deployments/test_attribution.py` holds the stored values
to a recomputation from scratch after every kind of change.
"""

from collections.abc import Iterable

from django.db.models import Case, Max, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from deployments.models import ContributorRank, Deployment, DeploymentCommit, DeploymentTeam
from organizations.models import Organization

BATCH_SIZE = 2000

# A matched commit by a tracked person: what makes a deployment count and gives it teams.
HUMAN_COMMIT = Q(commit__isnull=False, contributor__is_tracked=True, contributor__is_bot=False)


def _best_rank():
    """The deployment's best matched-commit author, as a correlated subquery."""
    return (
        DeploymentCommit.objects.filter(deployment=OuterRef("pk"))
        .order_by()
        .values("deployment")
        .annotate(
            best=Max(
                Case(
                    When(commit__isnull=True, then=Value(ContributorRank.NONE)),
                    When(HUMAN_COMMIT, then=Value(ContributorRank.HUMAN)),
                    When(contributor__is_tracked=True, then=Value(ContributorRank.BOT)),
                    default=Value(ContributorRank.UNTRACKED),
                )
            )
        )
        .values("best")
    )


def deployments_attribute(*, deployment_ids: Iterable[int], known_empty: bool = False) -> None:
    """Recomputes the rank and the team rows of these deployments from their commits.
    `known_empty`: they have no team rows yet (just created), so none are deleted."""
    ordered = sorted(set(deployment_ids))
    for start in range(0, len(ordered), BATCH_SIZE):
        batch = ordered[start : start + BATCH_SIZE]
        Deployment.objects.filter(pk__in=batch).update(
            contributor_rank=Coalesce(Subquery(_best_rank()), Value(ContributorRank.NONE))
        )
        if not known_empty:
            DeploymentTeam.objects.filter(deployment_id__in=batch).delete()
        pairs = (
            DeploymentCommit.objects.filter(
                HUMAN_COMMIT, deployment_id__in=batch, contributor__teams__isnull=False
            )
            .order_by()
            .values_list(
                "deployment_id",
                "contributor__teams",
                "deployment__organization_id",
                "deployment__deployed_at",
                "deployment__environment_name",
                "deployment__is_test",
            )
            .distinct()
        )
        DeploymentTeam.objects.bulk_create(
            DeploymentTeam(
                deployment_id=deployment_id,
                team_id=team_id,
                organization_id=organization_id,
                deployed_at=deployed_at,
                environment_name=environment,
                is_test=is_test,
            )
            for deployment_id, team_id, organization_id, deployed_at, environment, is_test in pairs
        )


def organization_attribute(*, organization: Organization) -> None:
    """Every deployment of the organization (bulk loads, repairs)."""
    deployments_attribute(
        deployment_ids=Deployment.objects.filter(organization=organization).values_list(
            "pk", flat=True
        )
    )


def contributors_deployments(*, contributor_ids: Iterable[int]) -> set[int]:
    """Deployments with a commit by any of these contributors."""
    return set(
        DeploymentCommit.objects.filter(contributor_id__in=list(contributor_ids)).values_list(
            "deployment_id", flat=True
        )
    )


def contributors_attribute(*, contributor_ids: Iterable[int]) -> None:
    """After these contributors changed (tracked, bot, teams, commits moved to them)."""
    deployments_attribute(deployment_ids=contributors_deployments(contributor_ids=contributor_ids))
