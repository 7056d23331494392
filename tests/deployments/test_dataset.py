"""The synthetic organization used by the benchmarks: exact sizes, deterministic, and every
derived field equal to what the live linking services compute."""

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Min

from deployments.keys import deployment_dedupe_key
from deployments.linking import commits_link
from deployments.models import (
    ContributorRank,
    Deployment,
    DeploymentCommit,
    DeploymentPullRequest,
    DeploymentTeam,
)
from incidents.models import Incident
from organizations.models import Contributor, Organization
from repositories.models import Commit, PullRequest
from sampledata.synthetic import SCALES, dataset_generate
from tests.deployments.test_attribution import recomputed, stored
from tests.factories import make_organization

END = datetime(2026, 1, 5, tzinfo=UTC)
SMALL = SCALES["small"]


def _generate(slug: str = "synth", seed: int = 3) -> Organization:
    return dataset_generate(slug=slug, scale=SMALL, seed=seed, end=END).organization


def _links(organization: Organization) -> dict:
    """Every derived value the linking services own, in a comparable form."""
    return {
        "commits": sorted(
            DeploymentCommit.objects.filter(organization=organization).values_list(
                "deployment_id", "position", "sha", "commit_id"
            )
        ),
        "deployments": sorted(
            Deployment.objects.filter(organization=organization).values_list(
                "id", "repository_id", "default_title", "dedupe_key"
            )
        ),
        "shipped": sorted(
            DeploymentPullRequest.objects.filter(
                deployment__organization=organization
            ).values_list("deployment_id", "pull_request_id")
        ),
        "deploy_moments": sorted(
            PullRequest.objects.filter(organization=organization).values_list(
                "id", "deploy_moment"
            )
        ),
    }


def _latest_counted(organization: Organization, environments=()) -> dict[int, datetime]:
    latest: dict[int, datetime] = {}
    shipped = DeploymentPullRequest.objects.filter(
        deployment__organization=organization, deployment__is_test=False
    )
    if environments:
        shipped = shipped.filter(deployment__environment_name__in=environments)
    for pr_id, deployed_at in shipped.values_list("pull_request_id", "deployment__deployed_at"):
        latest[pr_id] = max(latest.get(pr_id, deployed_at), deployed_at)
    return latest


@pytest.mark.django_db
def test_it_creates_the_small_scale_exactly():
    organization = _generate()

    assert organization.repositories.count() == SMALL.repositories == 4
    assert organization.teams.count() == SMALL.teams == 4
    assert Contributor.objects.filter(organization=organization).count() == 20
    assert Contributor.objects.filter(organization=organization, is_bot=True).count() == 2
    assert Commit.objects.filter(organization=organization).count() == SMALL.commits == 6000
    merged = PullRequest.objects.filter(organization=organization, merged_at__isnull=False)
    assert merged.count() == SMALL.pull_requests == 1000
    deployments = Deployment.objects.filter(organization=organization)
    assert deployments.count() == SMALL.deployments == 600
    # 2% test deployments and 1% that carry only unknown SHAs (so no repository).
    assert deployments.filter(is_test=True).count() == 12
    assert deployments.filter(repository__isnull=True).count() == 6
    assert set(deployments.values_list("environment_name", flat=True)) == {
        "dev",
        "staging",
        "production",
    }
    unknown = DeploymentCommit.objects.filter(organization=organization, commit__isnull=True)
    assert 15 <= unknown.values("deployment").distinct().count() <= 25
    tags = {tag for tags in deployments.values_list("tags", flat=True) for tag in tags}
    assert {"is_failure", "rollback", "ci", "release"} <= tags


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_rows_and_another_seed_does_not():
    first, second, other = _generate("one", 5), _generate("two", 5), _generate("three", 6)

    def fingerprint(organization):
        return [
            (d.environment_name, d.deployed_at, d.shas, d.tags, d.is_test, d.default_title)
            for d in Deployment.objects.filter(organization=organization).order_by("id")
        ]

    def shas(organization):
        return list(
            Commit.objects.filter(organization=organization)
            .order_by("id")
            .values_list("sha", flat=True)
        )

    assert shas(first) == shas(second)
    assert fingerprint(first) == fingerprint(second)
    assert not set(shas(first)) & set(shas(other))


@pytest.mark.django_db
def test_every_shipped_pull_request_has_its_merge_commit_in_the_deployment():
    organization = _generate()

    shipped = DeploymentPullRequest.objects.filter(deployment__organization=organization)
    rows = shipped.values_list("deployment__shas", "pull_request__merge_commit_sha")
    assert len(rows) > 1000
    assert all(merge_sha in shas for shas, merge_sha in rows)
    for deployment in Deployment.objects.filter(organization=organization):
        assert deployment.dedupe_key == deployment_dedupe_key(deployment.shas)
        assert 1 <= len(deployment.shas) <= 20


@pytest.mark.django_db
def test_deploy_moment_is_the_latest_counted_deployment_shipping_the_pr():
    organization = _generate()

    latest = _latest_counted(organization)
    moments = dict(
        PullRequest.objects.filter(organization=organization).values_list("id", "deploy_moment")
    )
    assert {pr_id: moment for pr_id, moment in moments.items() if moment} == latest
    # Some PRs are merged but not deployed yet, and test deployments never count.
    assert None in moments.values()
    tested = DeploymentPullRequest.objects.filter(deployment__is_test=True)
    assert tested.filter(deployment__organization=organization).exists()


@pytest.mark.django_db
def test_shipped_tags_are_those_of_the_counted_deployments_shipping_the_pr():
    organization = _generate()

    expected: dict[int, set[str]] = {}
    shipped = DeploymentPullRequest.objects.filter(
        deployment__organization=organization, deployment__is_test=False
    )
    for pr_id, tags in shipped.values_list("pull_request_id", "deployment__tags"):
        expected.setdefault(pr_id, set()).update(tags)
    stored = dict(
        PullRequest.objects.filter(organization=organization).values_list("id", "shipped_tags")
    )
    assert {pr_id: tags for pr_id, tags in stored.items() if tags} == {
        pr_id: sorted(tags) for pr_id, tags in expected.items() if tags
    }
    assert any(len(tags) > 1 for tags in stored.values())


@pytest.mark.django_db
def test_deploy_moment_counts_only_the_organizations_counted_environments():
    make_organization("synth", counted_environments=["production"])
    organization = _generate("synth")

    latest = _latest_counted(organization, environments=["production"])
    moments = PullRequest.objects.filter(organization=organization, deploy_moment__isnull=False)
    assert dict(moments.values_list("id", "deploy_moment")) == latest
    assert latest


@pytest.mark.django_db
def test_first_commit_at_is_the_earliest_authored_commit_of_the_pr():
    organization = _generate()

    pull_requests = PullRequest.objects.filter(organization=organization).annotate(
        earliest=Min("commits__authored_at")
    )
    assert all(pr.first_commit_at == pr.earliest for pr in pull_requests)
    sizes = defaultdict(int)
    for pr_id in PullRequest.commits.through.objects.filter(
        pullrequest__organization=organization
    ).values_list("pullrequest_id", flat=True):
        sizes[pr_id] += 1
    assert len(sizes) == 1000
    assert max(sizes.values()) > 10


@pytest.mark.django_db
def test_relinking_with_the_live_services_changes_nothing():
    organization = _generate()
    before = _links(organization)

    shas = Commit.objects.filter(organization=organization).values_list("sha", flat=True)
    commits_link(organization_id=organization.pk, shas=list(shas))

    assert _links(organization) == before


@pytest.mark.django_db
def test_the_command_fills_a_new_organization_once():
    out = StringIO()
    call_command("generate_dataset", org="cmd", scale="small", seed=2, stdout=out)
    # Each step is reported as it ends, so a long run shows its progress.
    assert "repositories_commit: 6000 rows in" in out.getvalue()
    assert "(linking) in" in out.getvalue()
    organization = Organization.objects.get(slug="cmd")
    assert organization.commits.count() == 6000

    out = StringIO()
    call_command("generate_dataset", org="cmd", scale="small", seed=9, stdout=out)

    assert "already has data" in out.getvalue()
    assert organization.commits.count() == 6000


@pytest.mark.django_db
def test_its_attribution_is_what_the_live_rule_gives():
    organization = _generate("attributed")

    assert stored(organization) == recomputed(organization)
    ranks = set(
        Deployment.objects.filter(organization=organization).values_list(
            "contributor_rank", flat=True
        )
    )
    assert {ContributorRank.NONE, ContributorRank.HUMAN} <= ranks
    assert DeploymentTeam.objects.filter(organization=organization).count() > SMALL.deployments / 2


@pytest.mark.django_db
def test_its_incidents_are_attributed_by_the_one_rule_as_they_arrive():
    scale = replace(SMALL, incidents=40)
    organization = dataset_generate(slug="fires", scale=scale, seed=3, end=END).organization

    incidents = list(
        Incident.objects.filter(organization=organization).select_related("attributed_deployment")
    )
    assert len(incidents) == 40
    # Each named repository is resolved (the busiest, index 0 of the plan, too).
    named = [incident for incident in incidents if incident.repository_name]
    assert all(incident.repository_id for incident in named)
    assert "fires/service-001" in {incident.repository_name for incident in named}
    kinds = {incident.attribution for incident in incidents}
    assert kinds == {"explicit", "rule", "unattributed"}
    counted = Deployment.objects.filter(
        organization=organization, is_test=False, environment_name="production"
    )
    for incident in incidents:
        deployment = incident.attributed_deployment
        if incident.attribution == "unattributed":
            assert deployment is None
            continue
        assert deployment.deployed_at < incident.started_at
        assert not deployment.is_test
        if incident.attribution == "rule":
            assert deployment.environment_name == "production"
            assert deployment.repository_id == incident.repository_id
            assert incident.started_at - deployment.deployed_at <= timedelta(days=7)
            # The latest counted deployment of its repository before it started.
            later = counted.filter(
                repository_id=incident.repository_id,
                deployed_at__gt=deployment.deployed_at,
                deployed_at__lt=incident.started_at,
            )
            assert not later.exists()
        else:
            # Wherever that SHA went last (every environment counts in this organization).
            assert any(sha.startswith(incident.deployment_sha) for sha in deployment.shas)
