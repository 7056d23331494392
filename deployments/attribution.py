"""Who a deployment is attributed to, derived at write time.

A deployment's `contributor_rank` (the best author among its matched commits) and its
DeploymentTeam rows (the teams of the tracked people among those authors) are what the
metrics count by. They depend on linking (which commits matched, and their contributors)
and on the contributors (tracked, bot, teams), so both re-derive them when they change:
the deployment service from the rows it just linked (`attribution_of_rows`), relinking and
contributor changes (through signals, deployments.apps) with `deployments_attribute`. One
rule, `attribution_of`, serves all of them; on PostgreSQL the recording function
(migration deployments 0008) applies the same rule in SQL, held to this one by
tests/deployments/test_record_parity.py. `tests/deployments/test_attribution.py` holds
the stored values to a recomputation from scratch after every kind of change.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC

from deployments.models import ContributorRank, Deployment, DeploymentCommit, DeploymentTeam
from organizations.models import Contributor, Organization

BATCH_SIZE = 2000


@dataclass(frozen=True)
class Attribution:
    rank: ContributorRank
    team_ids: frozenset[int]


def attribution_of(matched_contributor_ids: Iterable[int | None], *, people: dict) -> Attribution:
    """The rule. `matched_contributor_ids`: the contributor of each matched commit (None:
    unknown author); `people`: contributor id -> (is_tracked, is_bot, team ids).

    Rank: a tracked person beats a tracked bot beats any other matched commit beats no
    matched commit at all. Teams: those of the tracked people among the authors.
    """
    rank, team_ids = ContributorRank.NONE, set()
    for contributor_id in matched_contributor_ids:
        is_tracked, is_bot, teams = people.get(contributor_id, (False, False, ()))
        if not is_tracked:
            rank = max(rank, ContributorRank.UNTRACKED)
        elif is_bot:
            rank = max(rank, ContributorRank.BOT)
        else:
            rank = ContributorRank.HUMAN
            team_ids.update(teams)
    return Attribution(ContributorRank(rank), frozenset(team_ids))


def people_of(contributor_ids: Iterable[int | None]) -> dict[int, tuple[bool, bool, list[int]]]:
    """contributor id -> (is_tracked, is_bot, team ids), in one query."""
    people: dict[int, tuple[bool, bool, list[int]]] = {}
    rows = Contributor.objects.filter(pk__in={pk for pk in contributor_ids if pk is not None})
    for pk, is_tracked, is_bot, team_id in rows.values_list("pk", "is_tracked", "is_bot", "teams"):
        people.setdefault(pk, (is_tracked, is_bot, []))
        if team_id is not None:
            people[pk][2].append(team_id)
    return people


def team_rows(deployment: Deployment, team_ids: Iterable[int]) -> list[DeploymentTeam]:
    return [
        DeploymentTeam(
            organization_id=deployment.organization_id,
            deployment_id=deployment.pk,
            team_id=team_id,
            deployed_on=deployment.deployed_at.astimezone(UTC).date(),
            environment_name=deployment.environment_name,
            is_test=deployment.is_test,
        )
        for team_id in sorted(team_ids)
    ]


def attribution_of_rows(deployment_commits: Iterable[DeploymentCommit]) -> Attribution:
    """A deployment's attribution from its linked rows in memory (one query)."""
    matched = [row.contributor_id for row in deployment_commits if row.commit_id]
    return attribution_of(matched, people=people_of(matched))


def deployment_teams_store(
    deployment: Deployment, attribution: Attribution, *, known_empty: bool
) -> None:
    """Stores the team rows of a deployment whose rank was saved with it. `known_empty`: it
    has none yet (just created)."""
    if not known_empty:
        DeploymentTeam.objects.filter(deployment=deployment).delete()
    DeploymentTeam.objects.bulk_create(team_rows(deployment, attribution.team_ids))


def deployments_attribute(*, deployment_ids: Iterable[int]) -> None:
    """Recomputes the rank and the team rows of these deployments from their commits."""
    ordered = sorted(set(deployment_ids))
    for start in range(0, len(ordered), BATCH_SIZE):
        batch = ordered[start : start + BATCH_SIZE]
        matched: dict[int, list[int | None]] = defaultdict(list)
        rows = DeploymentCommit.objects.filter(deployment_id__in=batch, commit__isnull=False)
        for deployment_id, contributor_id in rows.values_list("deployment_id", "contributor_id"):
            matched[deployment_id].append(contributor_id)
        people = people_of(pk for ids in matched.values() for pk in ids)
        by_rank: dict[ContributorRank, list[int]] = defaultdict(list)
        teams = []
        deployments = Deployment.objects.filter(pk__in=batch).only(
            "organization_id", "deployed_at", "environment_name", "is_test"
        )
        for deployment in deployments:
            attribution = attribution_of(matched.get(deployment.pk, ()), people=people)
            by_rank[attribution.rank].append(deployment.pk)
            teams += team_rows(deployment, attribution.team_ids)
        for rank, ids in by_rank.items():
            Deployment.objects.filter(pk__in=ids).update(contributor_rank=rank)
        DeploymentTeam.objects.filter(deployment_id__in=batch).delete()
        DeploymentTeam.objects.bulk_create(teams, batch_size=BATCH_SIZE)


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
