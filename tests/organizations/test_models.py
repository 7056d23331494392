import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from organizations.models import ContributorIdentity, Membership
from repositories.models import Commit, PullRequest
from tests.factories import (
    make_commit,
    make_contributor,
    make_membership,
    make_pull_request,
    make_repository,
    make_sha,
    make_user,
)


def test_it_refuses_a_duplicate_commit_sha_in_one_repository(organization):
    repository = make_repository(organization)
    sha = make_sha("dup")
    make_commit(repository, sha)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_commit(repository, sha)
    assert Commit.objects.count() == 1


def test_the_same_sha_may_exist_in_two_repositories(organization):
    sha = make_sha("shared")
    make_commit(make_repository(organization, "acme/web"), sha)
    make_commit(make_repository(organization, "acme/api"), sha)
    assert Commit.objects.filter(sha=sha).count() == 2


def test_it_refuses_an_abbreviated_or_uppercase_commit_sha(organization):
    repository = make_repository(organization)
    for bad in ("abc1234", make_sha("x").upper()):
        with pytest.raises(IntegrityError), transaction.atomic():
            make_commit(repository, bad)


def test_it_refuses_a_duplicate_pull_request_number(organization):
    repository = make_repository(organization)
    make_pull_request(repository, 7)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_pull_request(repository, 7)
    assert PullRequest.objects.count() == 1


def test_a_merged_pull_request_needs_merged_at(organization):
    repository = make_repository(organization)
    with pytest.raises(IntegrityError), transaction.atomic():
        PullRequest.objects.create(
            organization=organization, repository=repository, number=1, state="merged"
        )


def test_it_refuses_a_repository_name_without_owner(organization):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_repository(organization, "just-a-name")


def test_an_identity_is_unique_per_organization(organization, other_organization):
    make_contributor(organization, "Ada", email="ada@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_contributor(organization, "Ada again", email="ada@example.com")
    make_contributor(other_organization, "Ada elsewhere", email="ada@example.com")
    assert ContributorIdentity.objects.filter(value="ada@example.com").count() == 2


def test_an_identity_is_stored_lowercase(organization):
    contributor = make_contributor(organization, "Ada")
    with pytest.raises(IntegrityError), transaction.atomic():
        ContributorIdentity.objects.create(
            organization=organization, contributor=contributor, kind="email", value="Ada@X.com"
        )


def test_a_user_has_one_membership_per_organization(organization):
    user = make_user()
    make_membership(user, organization)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_membership(user, organization, role="admin")


def test_a_membership_role_must_be_admin_or_member(organization):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=make_user(), organization=organization, role="owner")


@pytest.mark.parametrize("value", ["production", ["production", 3], ["  "], {"production": 1}])
def test_counted_environments_and_bot_names_must_be_lists_of_names(organization, value):
    for field in ("counted_environments", "bot_names"):
        setattr(organization, field, value)
        with pytest.raises(ValidationError) as raised:
            organization.full_clean()
        assert field in raised.value.message_dict
        organization.refresh_from_db()


def test_a_list_of_names_is_a_valid_setting(organization):
    organization.counted_environments = ["production", "staging"]
    organization.bot_names = []
    organization.full_clean()
