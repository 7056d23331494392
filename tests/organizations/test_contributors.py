import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from organizations.models import Contributor, ContributorIdentity
from organizations.services import (
    AuthorIdentity,
    contributor_is_bot,
    contributors_merge,
    contributors_resolve,
)
from tests.factories import (
    make_commit,
    make_contributor,
    make_pull_request,
    make_repository,
    make_team,
)


def resolve(organization, *authors):
    return contributors_resolve(organization=organization, authors=authors)


def test_identities_resolve_case_insensitively(organization):
    ada = make_contributor(organization, login="ada", email="ada@example.com")

    found = resolve(
        organization, AuthorIdentity(email="ADA@Example.com"), AuthorIdentity(login="Ada")
    )

    assert set(found.values()) == {ada.pk}


def test_a_new_author_becomes_one_contributor_with_both_identities(organization):
    by_email = AuthorIdentity(name="Grace Hopper", email="Grace@Navy.mil")
    by_both = AuthorIdentity(name="Grace Hopper", email="grace@navy.mil", login="GraceH")

    found = resolve(organization, by_email, by_both)

    grace = Contributor.objects.get()
    assert found == {by_email: grace.pk, by_both: grace.pk}
    assert grace.display_name == "Grace Hopper"
    assert sorted(grace.identities.values_list("kind", "value")) == [
        ("email", "grace@navy.mil"),
        ("login", "graceh"),
    ]


def test_a_known_login_learns_its_email(organization):
    ada = make_contributor(organization, login="ada")

    resolve(organization, AuthorIdentity(login="ada", email="ada@work.example"))

    assert ContributorIdentity.objects.get(kind="email").contributor == ada


def test_auto_create_off_leaves_unknown_authors_unresolved(organization):
    organization.auto_create_contributors = False
    organization.save()

    found = resolve(organization, AuthorIdentity(name="Stranger", email="s@example.com"))

    assert list(found.values()) == [None]
    assert not Contributor.objects.exists()


def test_identities_are_per_organization(organization, other_organization):
    theirs = make_contributor(other_organization, login="ada")

    found = resolve(organization, AuthorIdentity(login="ada"))

    assert list(found.values()) != [theirs.pk]
    assert Contributor.objects.filter(organization=organization).count() == 1


@pytest.mark.parametrize(
    ("author", "is_bot"),
    [
        (AuthorIdentity(login="dependabot[bot]"), True),
        (AuthorIdentity(name="Renovate Bot", email="bot@renovateapp.com"), True),
        (AuthorIdentity(email="41898282+github-actions[bot]@users.noreply.github.com"), True),
        (AuthorIdentity(login="pre-commit-ci"), True),
        (AuthorIdentity(login="octo", is_bot_account=True), True),
        (AuthorIdentity(name="Ada Lovelace", login="ada"), False),
    ],
)
def test_bots_are_recognised(organization, author, is_bot):
    assert contributor_is_bot(organization=organization, author=author) is is_bot


def test_the_bot_list_is_configurable(organization):
    organization.bot_names = ["deploy-robot"]
    organization.save()

    resolve(organization, AuthorIdentity(login="deploy-robot"), AuthorIdentity(login="renovate"))

    assert dict(Contributor.objects.values_list("display_name", "is_bot")) == {
        "deploy-robot": True,
        "renovate": False,
    }


def test_merging_moves_identities_commits_prs_and_teams(organization):
    platform = make_team(organization)
    ada = make_contributor(organization, "Ada", login="ada")
    ada_work = make_contributor(
        organization, "Ada (work)", email="ada@work.example", teams=[platform]
    )
    repository = make_repository(organization)
    commit = make_commit(repository, contributor=ada_work)
    pull_request = make_pull_request(repository, author=ada_work)

    contributors_merge(target=ada, others=[ada_work])

    assert list(Contributor.objects.all()) == [ada]
    assert ada.identities.count() == 2
    commit.refresh_from_db()
    pull_request.refresh_from_db()
    assert (commit.contributor, pull_request.author) == (ada, ada)
    assert list(ada.teams.all()) == [platform]


def test_merging_across_organizations_is_refused(organization, other_organization):
    ada = make_contributor(organization, login="ada")
    other = make_contributor(other_organization, login="ada")

    with pytest.raises(ValidationError):
        contributors_merge(target=ada, others=[other])

    assert Contributor.objects.count() == 2


def _act(client, action, contributors):
    return client.post(
        reverse("admin:organizations_contributor_changelist"),
        {"action": action, "_selected_action": [c.pk for c in contributors]},
    )


def test_admin_actions_flip_bots_and_tracking(superuser_client, organization):
    ada = make_contributor(organization, "Ada")

    _act(superuser_client, "mark_bots", [ada])
    ada.refresh_from_db()
    assert ada.is_bot
    _act(superuser_client, "mark_people", [ada])
    _act(superuser_client, "mark_not_contributors", [ada])
    ada.refresh_from_db()
    assert (ada.is_bot, ada.is_tracked) == (False, False)
    _act(superuser_client, "mark_contributors", [ada])
    ada.refresh_from_db()
    assert ada.is_tracked


def test_the_admin_merges_into_the_oldest(superuser_client, organization):
    oldest = make_contributor(organization, "Ada", login="ada")
    newer = make_contributor(organization, "A. Lovelace", email="ada@example.com")

    response = _act(superuser_client, "merge_into_oldest", [newer, oldest])

    assert response.status_code == 302
    assert list(Contributor.objects.all()) == [oldest]
    assert oldest.identities.count() == 2
