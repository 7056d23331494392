"""Who a deployment is attributed to, derived at write time: the one rule, set-based.

A deployment's `contributor_rank` is the best author among its matched commits: a tracked
person beats a tracked bot beats any other matched commit (an untracked or unknown author)
beats no matched commit at all. Its DeploymentTeam rows are the teams of the tracked people
(not bots) among those authors. The metrics count by both, so they are kept in step by
linking (which commits matched) and by every change to contributors (tracked, bot, teams,
merges), each calling `deployments_attribute`.
"""

from collections.abc import Iterable

from django.db import connection

from deployments.models import ContributorRank, DeploymentCommit
from organizations.models import Organization

_RANK_SQL = f"""
    UPDATE deployments_deployment d SET contributor_rank = derived.rank
    FROM (
        SELECT target.id, coalesce(max(CASE
                   WHEN p.is_tracked AND NOT p.is_bot THEN {ContributorRank.HUMAN:d}
                   WHEN p.is_tracked THEN {ContributorRank.BOT:d}
                   ELSE {ContributorRank.UNTRACKED:d} END)
               FILTER (WHERE dc.commit_id IS NOT NULL), {ContributorRank.NONE:d}) AS rank
        FROM unnest(%s::bigint[]) AS target(id)
        LEFT JOIN deployments_deploymentcommit dc ON dc.deployment_id = target.id
        LEFT JOIN organizations_contributor p ON p.id = dc.contributor_id
        GROUP BY target.id
    ) AS derived
    WHERE d.id = derived.id AND d.id = ANY(%s::bigint[]) AND d.contributor_rank <> derived.rank
"""  # noqa: S608 - only the integer ranks of ContributorRank are interpolated

# The deployment's UTC day, environment and test flag are copied, so a range of team lines
# is one index scan of this table.
_TEAMS_SQL = """
    INSERT INTO deployments_deploymentteam (
        organization_id, deployment_id, team_id, deployed_on, environment_name, is_test)
    SELECT DISTINCT d.organization_id, d.id, member.team_id,
           (d.deployed_at AT TIME ZONE 'UTC')::date, d.environment_name, d.is_test
    FROM deployments_deployment d
    JOIN deployments_deploymentcommit dc ON dc.deployment_id = d.id
    JOIN organizations_contributor p ON p.id = dc.contributor_id
    JOIN organizations_contributor_teams member ON member.contributor_id = p.id
    WHERE d.id = ANY(%s::bigint[]) AND dc.commit_id IS NOT NULL
      AND p.is_tracked AND NOT p.is_bot
"""


def deployments_attribute(*, deployment_ids: Iterable[int], new: bool = False) -> None:
    """Recomputes the rank and the team rows of these deployments from their commits.
    `new`: they have no team rows yet."""
    ids = sorted(set(deployment_ids))
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(_RANK_SQL, [ids, ids])
        if not new:
            cursor.execute(
                "DELETE FROM deployments_deploymentteam WHERE deployment_id = ANY(%s::bigint[])",
                [ids],
            )
        cursor.execute(_TEAMS_SQL, [ids])


def organization_attribute(*, organization: Organization) -> None:
    """Every deployment of the organization (bulk loads, repairs)."""
    deployments_attribute(deployment_ids=organization.deployments.values_list("pk", flat=True))


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
