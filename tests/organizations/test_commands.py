from datetime import timedelta

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from deployments.models import Deployment
from incidents.models import Incident
from organizations.models import Contributor, Membership, Organization, Team
from repositories.models import Commit, PullRequest, Repository


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_organization_makes_an_admin_with_a_generated_password(db):
    output = run("create_organization", "initech", "--name", "Initech", "--admin", "peter")
    password = output.split("Password: ")[1].strip()
    organization = Organization.objects.get(slug="initech")
    assert organization.name == "Initech"
    assert Membership.objects.get(user__username="peter", organization=organization).is_admin
    assert authenticate(username="peter", password=password) is not None


def test_create_organization_uses_the_given_password_and_prints_none(db):
    output = run("create_organization", "initech", "--admin", "peter", "--password", "s3cret-pw!")
    assert "Password:" not in output
    assert authenticate(username="peter", password="s3cret-pw!") is not None


def test_create_organization_twice_changes_nothing(db):
    run("create_organization", "initech", "--admin", "peter", "--password", "pw-123456")
    run("create_organization", "initech", "--admin", "peter")
    assert Organization.objects.count() == 1
    assert Membership.objects.count() == 1
    assert authenticate(username="peter", password="pw-123456") is not None


def test_add_member_gives_the_requested_role(organization):
    run("add_member", "acme", "carol", "--password", "pw-carol-1")
    run("add_member", "acme", "dave", "--role", "admin", "--password", "pw-dave-1")
    roles = dict(
        Membership.objects.filter(organization=organization).values_list("user__username", "role")
    )
    assert roles == {"carol": "member", "dave": "admin"}


def test_add_member_changes_the_role_of_an_existing_member(organization, member):
    run("add_member", "acme", member.username, "--role", "admin")
    assert Membership.objects.get(user=member, organization=organization).role == "admin"


def test_add_member_refuses_an_unknown_organization(db):
    with pytest.raises(CommandError, match="No organization"):
        run("add_member", "nope", "carol")
    assert not get_user_model().objects.filter(username="carol").exists()


COUNTED_MODELS = [
    Organization,
    Membership,
    Team,
    Contributor,
    Repository,
    Commit,
    PullRequest,
    Deployment,
    Incident,
]


def test_seed_demo_is_idempotent(db):
    output = run("seed_demo", "--i-know-this-is-public")
    first = {model.__name__: model.objects.count() for model in COUNTED_MODELS}
    run("seed_demo", "--i-know-this-is-public")
    second = {model.__name__: model.objects.count() for model in COUNTED_MODELS}
    assert first == second
    assert first["Repository"] == 5
    assert first["Team"] == 4
    assert first["Contributor"] == 30
    assert Contributor.objects.filter(is_bot=True).count() == 2
    assert first["PullRequest"] >= 550
    assert "demo / shiplog-demo" in output
    assert authenticate(username="demo", password="shiplog-demo") is not None


def test_the_demo_counts_production_only(db):
    """Staging deploys more often than production: counting it would flatter the demo."""
    from sampledata.demo import demo_seed

    organization = demo_seed().organization
    assert organization.counted_environments == ["production"]
    environments = set(organization.deployments.values_list("environment_name", flat=True))
    assert {"production", "staging"} <= environments
    # An admin's later choice survives a second seed.
    organization.counted_environments = ["production", "staging"]
    organization.save()
    assert demo_seed().organization.counted_environments == ["production", "staging"]


def test_the_demo_has_incidents_attributed_each_way(db):
    """The data-quality panel and the incidents table show every case: by SHA, by the
    rule, unattributed; from the incidents API and PagerDuty."""
    from metrics.calculations import change_failure_rate
    from metrics.query import MetricsQuery
    from sampledata.demo import demo_seed

    organization = demo_seed().organization
    incidents = {
        incident.external_id: incident
        for incident in Incident.objects.filter(organization=organization)
    }

    assert {key: (row.source, row.attribution) for key, row in incidents.items()} == {
        "INC-2041": ("api", "explicit"),
        "INC-2042": ("api", "rule"),
        "INC-2043": ("api", "unattributed"),
        "Q1WEBDEMO": ("pagerduty", "rule"),
        "Q2MOBILEDEMO": ("pagerduty", "rule"),
    }
    assert incidents["Q1WEBDEMO"].resolved_at is not None
    assert incidents["Q2MOBILEDEMO"].resolved_at is None
    assert incidents["Q1WEBDEMO"].repository.full_name == "acme/web"
    # The 26 weeks the demo dashboard opens on: the four attributed deployments failed
    # (beside the tagged ones), the open one is not recovered, the unknown repository's is
    # counted apart.
    today = timezone.now().date()
    failures = change_failure_rate(
        query=MetricsQuery(organization=organization, start=today - timedelta(weeks=26), end=today)
    )
    assert (failures.incidents_attributed, failures.incidents_unattributed) == (4, 1)
    assert failures.unrecovered >= 1
    assert failures.failed >= 4
