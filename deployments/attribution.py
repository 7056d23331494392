"""Who a deployment is attributed to, derived at write time: the one rule, set-based, in
deployments/sql/03_attribution.sql.

A deployment's `contributor_rank` is the best author among its matched commits: a tracked
person beats a tracked bot beats any other matched commit (an untracked or unknown author)
beats no matched commit at all. Its DeploymentTeam rows are the teams of the tracked people
(not bots) among those authors. The metrics count by both, so they are kept in step by
linking (which commits matched) and by every change to contributors (tracked, bot, teams,
merges), each calling `deployments_attribute`.
"""

from collections.abc import Iterable

from django.db import connection

from deployments.models import DeploymentCommit


def deployments_attribute(*, deployment_ids: Iterable[int], new: bool = False) -> None:
    """Recomputes the rank and the team rows of these deployments from their commits.
    `new`: they have no team rows yet."""
    ids = sorted(set(deployment_ids))
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT shiplog_deployments_attribute(%s::bigint[], %s)", [ids, new])


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
