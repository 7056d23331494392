"""/settings/: organization admins change what counts, bots, teams and contributors through
the organizations services; members read it; another organization's rows are 404."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deployments.models import DeploymentTeam
from organizations.models import Contributor, ContributorIdentity, ContributorTeam, Team
from repositories.models import Commit
from tests.factories import make_commit, make_contributor, make_repository, make_team
from tests.metrics.helpers import make_deployment

SETTINGS = reverse("organization_settings")


def _url(name: str, *args) -> str:
    return reverse(f"organization_settings:{name}", args=args)


@pytest.fixture
def deployed(organization):
    """A production and a staging deployment of Ada's commit (Ada on no team yet)."""
    ada = make_contributor(organization, "Ada Lovelace", login="ada")
    repository = make_repository(organization, "acme/web")
    commit = make_commit(repository, contributor=ada, at=timezone.now() - timedelta(days=2))
    for environment in ("production", "staging"):
        make_deployment(
            organization,
            commits=[commit],
            environment=environment,
            deployed_at=timezone.now() - timedelta(days=1),
        )
    return ada


def test_the_page_offers_the_environment_names_seen(admin_client, deployed):
    response = admin_client.get(SETTINGS)
    assert response.status_code == 200
    names = [environment["name"] for environment in response.context["environments"]]
    assert names == ["production", "staging"]
    assert b'name="environment" value="staging"' in response.content
    assert b"Now counting <strong>every environment</strong>" in response.content


def test_the_nav_links_settings_for_admins(admin_client, organization):
    assert b'href="/settings/"' in admin_client.get(reverse("integrations")).content


def test_members_do_not_see_the_settings_link(member_client, organization):
    assert b'href="/settings/"' not in member_client.get(reverse("integrations")).content


def test_an_admin_saves_bot_names_one_a_line(admin_client, organization):
    admin_client.post(_url("bot_names"), {"bot_names": "dependabot\n ci-robot , deploy-bot\n\n"})
    organization.refresh_from_db()
    assert organization.bot_names == ["dependabot", "ci-robot", "deploy-bot"]
    assert organization.counted_environments == []


def test_saving_bot_names_keeps_the_counted_environments(admin_client, organization):
    organization.counted_environments = ["production"]
    organization.save()
    admin_client.post(_url("bot_names"), {"bot_names": "robot"})
    organization.refresh_from_db()
    assert organization.counted_environments == ["production"]


def test_an_admin_creates_a_team(admin_client, organization):
    response = admin_client.post(_url("team_add"), {"name": "Payments Core"})
    assert response.status_code == 302
    team = Team.objects.get(organization=organization)
    assert (team.name, team.slug) == ("Payments Core", "payments-core")


def test_it_rejects_a_duplicate_or_blank_team_name(admin_client, organization):
    make_team(organization, "Payments")
    admin_client.post(_url("team_add"), {"name": "payments"})
    response = admin_client.post(_url("team_add"), {"name": "  !! "}, follow=True)
    assert Team.objects.filter(organization=organization).count() == 1
    assert b"at least one letter or digit" in response.content


def test_adding_a_member_attributes_their_deployments_to_the_team(
    admin_client, organization, deployed
):
    team = make_team(organization, "Payments")
    response = admin_client.post(
        _url("team_member_add"), {"team": team.pk, "contributor": deployed.pk}
    )
    assert response.status_code == 302
    membership = ContributorTeam.objects.get(team=team, contributor=deployed)
    assert membership.organization_id == organization.pk
    assert DeploymentTeam.objects.filter(team=team).count() == 2


def test_removing_a_member_takes_their_deployments_off_the_team(
    admin_client, organization, deployed
):
    team = make_team(organization, "Payments")
    admin_client.post(_url("team_member_add"), {"team": team.pk, "contributor": deployed.pk})
    response = admin_client.post(_url("team_member_remove", team.pk, deployed.pk))
    assert response.status_code == 302
    assert not ContributorTeam.objects.filter(team=team).exists()
    assert not DeploymentTeam.objects.filter(team=team).exists()


def test_an_admin_merges_two_identities_of_one_person(admin_client, organization):
    work = make_contributor(organization, "Ada Lovelace", email="ada@acme.test")
    personal = make_contributor(organization, "ada", email="ada@home.test")
    commit = make_commit(make_repository(organization), contributor=personal)
    response = admin_client.post(
        _url("contributors_merge"), {"target": work.pk, "other": personal.pk}
    )
    assert response.status_code == 302
    assert not Contributor.objects.filter(pk=personal.pk).exists()
    assert Commit.objects.get(pk=commit.pk).contributor_id == work.pk
    emails = set(
        ContributorIdentity.objects.filter(contributor=work).values_list("value", flat=True)
    )
    assert emails == {"ada@acme.test", "ada@home.test"}


def test_it_refuses_to_merge_a_person_into_themselves(admin_client, organization):
    ada = make_contributor(organization, "Ada")
    response = admin_client.post(
        _url("contributors_merge"), {"target": ada.pk, "other": ada.pk}, follow=True
    )
    assert Contributor.objects.filter(pk=ada.pk).exists()
    assert b"two different people" in response.content


def test_an_admin_marks_someone_as_not_a_contributor_and_back(
    admin_client, organization, deployed
):
    team = make_team(organization, "Payments")
    admin_client.post(_url("team_member_add"), {"team": team.pk, "contributor": deployed.pk})
    admin_client.post(_url("contributor_untrack", deployed.pk))
    deployed.refresh_from_db()
    assert deployed.is_tracked is False
    # Their work is ignored: the team no longer has their deployments.
    assert not DeploymentTeam.objects.filter(team=team).exists()
    admin_client.post(_url("contributor_track", deployed.pk))
    deployed.refresh_from_db()
    assert deployed.is_tracked is True
    assert DeploymentTeam.objects.filter(team=team).count() == 2


ACTIONS = [
    ("counting", (), {"environment": ["staging"]}),
    ("bot_names", (), {"bot_names": "robot"}),
    ("team_add", (), {"name": "Growth"}),
    ("contributors_merge", (), {}),
    ("team_member_add", (), {}),
]


@pytest.mark.parametrize(("name", "args", "data"), ACTIONS)
def test_members_cannot_change_settings(member_client, organization, name, args, data):
    response = member_client.post(_url(name, *args), data)
    assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.counted_environments == []
    assert not Team.objects.filter(organization=organization).exists()


def test_members_read_the_settings_without_forms(member_client, organization, deployed):
    make_team(organization, "Payments")
    response = member_client.get(SETTINGS)
    assert response.status_code == 200
    assert b"Only an organization admin can change these" in response.content
    assert b"<button" not in response.content.split(b"<main")[1].replace(b"Log out", b"")
    assert b"disabled" in response.content


@pytest.mark.parametrize("name", ["contributor_untrack", "contributor_track"])
def test_members_cannot_flag_contributors(member_client, organization, name):
    ada = make_contributor(organization, "Ada")
    assert member_client.post(_url(name, ada.pk)).status_code == 403
    assert Contributor.objects.get(pk=ada.pk).is_tracked


def test_settings_actions_refuse_get(admin_client):
    assert admin_client.get(_url("counting")).status_code == 405
    assert admin_client.get(_url("team_add")).status_code == 405


def test_it_refuses_another_organizations_team_and_contributor(
    admin_client, organization, other_organization
):
    ours = make_contributor(organization, "Ada")
    theirs = make_contributor(other_organization, "Wile E. Coyote")
    their_team = make_team(other_organization, "Globex Team")
    our_team = make_team(organization, "Payments")
    for data in (
        {"team": their_team.pk, "contributor": ours.pk},
        {"team": our_team.pk, "contributor": theirs.pk},
    ):
        assert admin_client.post(_url("team_member_add"), data).status_code == 404
    assert admin_client.post(_url("team_member_remove", their_team.pk, ours.pk)).status_code == 404
    assert admin_client.post(_url("contributor_untrack", theirs.pk)).status_code == 404
    merge = {"target": ours.pk, "other": theirs.pk}
    assert admin_client.post(_url("contributors_merge"), merge).status_code == 404
    assert Contributor.objects.filter(pk=theirs.pk, is_tracked=True).exists()
    assert not ContributorTeam.objects.exists()


def test_a_malformed_id_is_a_404(admin_client, organization):
    data = {"team": "x", "contributor": "1 OR 1=1"}
    assert admin_client.post(_url("team_member_add"), data).status_code == 404


def test_the_page_shows_only_this_organizations_rows(
    admin_client, organization, other_organization
):
    make_contributor(other_organization, "Wile E. Coyote")
    make_team(other_organization, "Globex Team")
    make_deployment(other_organization, deployed_at=timezone.now(), environment="globex-prod")
    text = admin_client.get(SETTINGS).content.decode()
    assert "Coyote" not in text and "Globex Team" not in text and "globex-prod" not in text


def test_the_page_query_count_does_not_grow_with_teams_and_people(
    admin_client, organization, django_assert_max_num_queries
):
    teams = [make_team(organization, f"Team {n}") for n in range(6)]
    for n in range(30):
        make_contributor(organization, f"Person {n}", teams=teams[: n % 4], login=f"p{n}")
    # 13 with the counted environments waiting for the worker (one read of its queue).
    with django_assert_max_num_queries(13):
        assert admin_client.get(SETTINGS).status_code == 200
