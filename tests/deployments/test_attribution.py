"""Deployment attribution (contributor rank and teams) is derived at write time; after every
kind of change that can move it, the stored values must equal a recomputation from the
deployment's commits and contributors as they are now."""

from datetime import UTC, datetime, timedelta

import pytest

from deployments.linking import commits_link
from deployments.models import ContributorRank, Deployment, DeploymentCommit, DeploymentTeam
from deployments.recording import deployment_record
from organizations.models import Contributor
from organizations.services import contributors_flag, contributors_merge
from tests.factories import make_commit, make_contributor, make_repository, make_sha, make_team

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def recomputed(organization) -> dict[int, tuple[int, set[int], datetime]]:
    """The rule, from scratch: the best matched-commit author and the teams of the tracked
    people among them."""
    result = {}
    for deployment in Deployment.objects.filter(organization=organization):
        rank, teams = ContributorRank.NONE, set()
        for row in DeploymentCommit.objects.filter(deployment=deployment):
            contributor = row.contributor
            if row.commit_id is None:
                continue
            if contributor is None or not contributor.is_tracked:
                rank = max(rank, ContributorRank.UNTRACKED)
            elif contributor.is_bot:
                rank = max(rank, ContributorRank.BOT)
            else:
                rank = ContributorRank.HUMAN
                teams |= set(contributor.teams.values_list("pk", flat=True))
        result[deployment.pk] = (rank, teams, deployment.deployed_at.astimezone(UTC).date())
    return result


def stored(organization) -> dict[int, tuple[int, set[int], datetime]]:
    result = {}
    for deployment in Deployment.objects.filter(organization=organization):
        rows = DeploymentTeam.objects.filter(deployment=deployment)
        assert {row.deployed_on for row in rows} <= {deployment.deployed_at.astimezone(UTC).date()}
        assert {row.is_test for row in rows} <= {deployment.is_test}
        assert {row.environment_name for row in rows} <= {deployment.environment_name}
        assert {row.marks_failure for row in rows} <= {deployment.marks_failure}
        assert {row.organization_id for row in rows} <= {organization.pk}
        teams = set(rows.values_list("team_id", flat=True))
        result[deployment.pk] = (
            deployment.contributor_rank,
            teams,
            deployment.deployed_at.astimezone(UTC).date(),
        )
    return result


def assert_in_step(organization):
    assert stored(organization) == recomputed(organization)


@pytest.fixture
def world(organization):
    platform, payments = make_team(organization, "Platform"), make_team(organization, "Payments")
    repo = make_repository(organization)
    return {
        "platform": platform,
        "payments": payments,
        "repo": repo,
        "ada": make_contributor(organization, "Ada", teams=[platform]),
        "grace": make_contributor(organization, "Grace", teams=[payments]),
    }


def record(organization, shas, **fields):
    return deployment_record(
        organization=organization,
        request_id="req",
        raw_body="{}",
        shas=shas,
        environment_name="production",
        deployed_at=fields.pop("deployed_at", T0),
        **fields,
    ).deployment


def rank_and_teams(deployment) -> tuple[int, set[str]]:
    deployment.refresh_from_db()
    teams = DeploymentTeam.objects.filter(deployment=deployment)
    return deployment.contributor_rank, set(teams.values_list("team__slug", flat=True))


def test_it_follows_linking_in_either_order(organization, world):
    early_sha = make_sha("attribution-early")
    early = record(organization, [early_sha])
    assert rank_and_teams(early) == (ContributorRank.NONE, set())
    make_commit(world["repo"], early_sha, contributor=world["ada"], at=T0)
    commits_link(organization_id=organization.pk, shas=[early_sha])
    assert rank_and_teams(early) == (ContributorRank.HUMAN, {"platform"})

    late = record(organization, [make_commit(world["repo"], contributor=world["grace"]).sha])
    assert rank_and_teams(late) == (ContributorRank.HUMAN, {"payments"})
    assert_in_step(organization)


def test_it_follows_contributor_flags_teams_and_merges(organization, world):
    ada, grace = world["ada"], world["grace"]
    ours = record(
        organization,
        [make_commit(world["repo"], contributor=c).sha for c in (ada, grace)],
    )
    assert rank_and_teams(ours) == (ContributorRank.HUMAN, {"platform", "payments"})

    contributors_flag(contributors=Contributor.objects.filter(pk=ada.pk), is_bot=True)
    assert rank_and_teams(ours) == (ContributorRank.HUMAN, {"payments"})
    assert_in_step(organization)

    grace.is_tracked = False
    grace.save()
    assert rank_and_teams(ours) == (ContributorRank.BOT, set())
    assert_in_step(organization)

    contributors_flag(contributors=Contributor.objects.all(), is_bot=False, is_tracked=True)
    assert rank_and_teams(ours) == (ContributorRank.HUMAN, {"platform", "payments"})

    # Team membership, from both sides of the relation.
    ada.teams.add(world["payments"], through_defaults={"organization_id": ada.organization_id})
    world["platform"].contributors.remove(ada)
    assert rank_and_teams(ours) == (ContributorRank.HUMAN, {"payments"})
    world["platform"].contributors.add(
        grace, through_defaults={"organization_id": grace.organization_id}
    )
    world["payments"].contributors.clear()
    assert rank_and_teams(ours) == (ContributorRank.HUMAN, {"platform"})
    grace.teams.clear()
    assert rank_and_teams(ours) == (ContributorRank.HUMAN, set())
    assert_in_step(organization)

    # A merge moves Grace's commits (and teams) to a bot account.
    bot = make_contributor(organization, "deploy-bot", is_bot=True, teams=[world["payments"]])
    contributors_merge(target=bot, others=[grace, ada])
    assert rank_and_teams(ours) == (ContributorRank.BOT, set())
    assert_in_step(organization)


def test_it_follows_deleted_contributors_teams_and_edited_commits(organization, world):
    ada, grace = world["ada"], world["grace"]
    commit = make_commit(world["repo"], contributor=ada)
    ours = record(organization, [commit.sha])
    assert rank_and_teams(ours) == (ContributorRank.HUMAN, {"platform"})

    commit.contributor = grace  # an admin edits the commit's author
    commit.save()
    assert rank_and_teams(ours) == (ContributorRank.HUMAN, {"payments"})
    world["payments"].delete()
    assert rank_and_teams(ours) == (ContributorRank.HUMAN, set())
    grace.delete()
    assert rank_and_teams(ours) == (ContributorRank.UNTRACKED, set())
    assert_in_step(organization)


def test_a_replacement_moves_the_team_rows_with_the_deployment(organization, world):
    shas = [make_commit(world["repo"], contributor=world["ada"]).sha]
    record(organization, shas, received_at=T0)
    later = record(
        organization,
        shas,
        deployed_at=T0 + timedelta(days=2),
        received_at=T0 + timedelta(1),
        is_test=True,
    )
    copied = set(DeploymentTeam.objects.values_list("deployed_on", "is_test"))
    assert copied == {(later.deployed_at.astimezone(UTC).date(), True)}
    assert_in_step(organization)


def test_a_replacement_tagged_as_a_failure_marks_its_team_rows(organization, world):
    shas = [make_commit(world["repo"], contributor=world["ada"]).sha]
    record(organization, shas, received_at=T0)
    assert set(DeploymentTeam.objects.values_list("marks_failure", flat=True)) == {False}

    record(organization, shas, received_at=T0 + timedelta(1), tags=["rollback"])

    assert set(DeploymentTeam.objects.values_list("marks_failure", flat=True)) == {True}
    assert_in_step(organization)


# Committed for real, so PostgreSQL checks its deferred foreign keys.
@pytest.mark.django_db(transaction=True)
def test_deleting_an_organization_or_team_takes_its_attribution_along(organization, world):
    record(organization, [make_commit(world["repo"], contributor=world["ada"]).sha])
    world["platform"].delete()
    assert not DeploymentTeam.objects.exists()
    record(organization, [make_commit(world["repo"], contributor=world["grace"]).sha])
    assert DeploymentTeam.objects.count() == 1

    organization.delete()

    assert not Deployment.objects.exists() and not DeploymentTeam.objects.exists()
