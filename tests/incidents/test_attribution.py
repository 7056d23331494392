"""The attribution rule (incidents/sql/01_attribution.sql) through its services, and that it
stays right whichever arrives first and whatever changes later."""

import itertools
from datetime import timedelta

import pytest

from deployments.linking import commits_link
from deployments.models import Deployment
from deployments.recording import deployments_delete
from incidents.attribution import (
    incident_attribution_reset,
    incident_detach,
    incident_reattribute,
    organization_incident_window_update,
)
from incidents.models import Incident
from organizations.services import organization_counting_update
from tests.factories import make_commit, make_repository, make_sha
from tests.incidents.conftest import T0, deploy, hours, record, web_commit

pytestmark = pytest.mark.django_db
RULE, EXPLICIT, NONE = "rule", "explicit", "unattributed"


def attribution_of(incident):
    """(attribution, deployment id); and every time, the incident carries its attributed
    deployment's repository (what the rework rule reads)."""
    incident.refresh_from_db()
    deployment = Deployment.objects.filter(pk=incident.attributed_deployment_id).first()
    assert incident.attributed_repository_id == (deployment.repository_id if deployment else None)
    return incident.attribution, incident.attributed_deployment_id


def test_the_latest_counted_deployment_of_the_repository_before_it_started(
    organization, web, web_sha
):
    deploy(organization, web_sha, at=T0 - hours(30))
    latest = deploy(organization, web_sha, at=T0 - hours(2), environment="staging")
    deploy(organization, web_commit(web), at=T0 + hours(1))  # after it started: not a cause

    incident = record(organization, repository_name="acme/web")

    assert attribution_of(incident) == (RULE, latest.pk)


def test_the_environment_narrows_the_rule_when_given(organization, web, web_sha):
    production = deploy(organization, web_sha, at=T0 - hours(5))
    deploy(organization, web_sha, at=T0 - hours(1), environment="staging")

    incident = record(organization, repository_name="acme/web", environment_name="production")

    assert attribution_of(incident) == (RULE, production.pk)


def test_tests_and_uncounted_environments_are_never_causes(organization, web, web_sha):
    organization_counting_update(organization=organization, counted_environments=["production"])
    counted = deploy(organization, web_sha, at=T0 - hours(9))
    deploy(organization, web_sha, at=T0 - hours(2), environment="staging")
    deploy(organization, web_commit(web), at=T0 - hours(1), is_test=True)

    incident = record(organization, repository_name="acme/web")

    assert attribution_of(incident) == (RULE, counted.pk)


def test_a_deployment_outside_the_window_is_not_guessed(organization, web, web_sha):
    deploy(organization, web_sha, at=T0 - timedelta(days=7, seconds=1))

    incident = record(organization, repository_name="acme/web")

    assert attribution_of(incident) == (NONE, None)


def test_the_window_edge_is_inside(organization, web, web_sha):
    edge = deploy(organization, web_sha, at=T0 - timedelta(days=7))

    assert attribution_of(record(organization, repository_name="acme/web")) == (RULE, edge.pk)


def test_an_explicit_sha_wins_over_the_rule(organization, web, web_sha):
    other_repository = make_repository(organization, "acme/api")
    api_sha = make_commit(other_repository, make_sha("api"), at=T0 - hours(50)).sha
    culprit = deploy(organization, api_sha, at=T0 - timedelta(days=20))  # no window for a SHA
    deploy(organization, web_sha, at=T0 - hours(1))

    incident = record(organization, repository_name="acme/web", deployment_sha=api_sha[:7])

    assert attribution_of(incident) == (EXPLICIT, culprit.pk)


def test_an_explicit_sha_no_deployment_carries_yet_is_unattributed_then_found(
    organization, web, web_sha
):
    deploy(organization, web_sha, at=T0 - hours(1))
    sha = make_sha("not yet deployed")
    incident = record(organization, repository_name="acme/web", deployment_sha=sha)
    assert attribution_of(incident) == (NONE, None)

    culprit = deploy(organization, sha, at=T0 - hours(3))

    assert attribution_of(incident) == (EXPLICIT, culprit.pk)


def test_a_deployment_recorded_after_the_incident_attributes_it(organization, web, web_sha):
    incident = record(organization, repository_name="acme/web")
    assert attribution_of(incident) == (NONE, None)

    late = deploy(organization, web_sha, at=T0 - hours(4))
    assert attribution_of(incident) == (RULE, late.pk)
    later = deploy(organization, make_commit(web, at=T0 - hours(9)).sha, at=T0 - hours(1))
    assert attribution_of(incident) == (RULE, later.pk)


def test_commits_arriving_after_the_deployment_give_it_a_repository_and_the_incident(
    organization, web
):
    sha = make_sha("pushed later")
    deployment = deploy(organization, sha, at=T0 - hours(2))
    incident = record(organization, repository_name="acme/web")
    assert attribution_of(incident) == (NONE, None)

    make_commit(web, sha, at=T0 - hours(3))
    commits_link(organization_id=organization.pk, shas=[sha])

    assert attribution_of(incident) == (RULE, deployment.pk)


def test_deleting_the_deployment_falls_back_to_the_one_before(organization, web, web_sha):
    earlier = deploy(organization, web_sha, at=T0 - hours(8))
    latest = deploy(organization, web_sha, at=T0 - hours(1), environment="canary")
    incident = record(organization, repository_name="acme/web")
    assert attribution_of(incident) == (RULE, latest.pk)

    deployments_delete(deployments=Deployment.objects.filter(pk=latest.pk))

    assert attribution_of(incident) == (RULE, earlier.pk)


def test_deleting_the_only_deployment_leaves_it_unattributed(organization, web, web_sha):
    only = deploy(organization, web_sha, at=T0 - hours(1))
    incident = record(organization, repository_name="acme/web")

    deployments_delete(deployments=Deployment.objects.filter(pk=only.pk))

    assert attribution_of(incident) == (NONE, None)


def test_changing_the_counted_environments_re_attributes(organization, web, web_sha):
    production = deploy(organization, web_sha, at=T0 - hours(6))
    staging = deploy(organization, web_sha, at=T0 - hours(1), environment="staging")
    incident = record(organization, repository_name="acme/web")
    assert attribution_of(incident) == (RULE, staging.pk)

    organization_counting_update(organization=organization, counted_environments=["production"])
    assert attribution_of(incident) == (RULE, production.pk)
    organization_counting_update(organization=organization, counted_environments=[])
    assert attribution_of(incident) == (RULE, staging.pk)


def test_changing_the_window_re_attributes(organization, web, web_sha):
    two_days_before = deploy(organization, web_sha, at=T0 - timedelta(days=2))
    incident = record(organization, repository_name="acme/web")

    organization_incident_window_update(organization=organization, window=timedelta(days=1))
    assert attribution_of(incident) == (NONE, None)
    organization_incident_window_update(organization=organization, window=timedelta(days=3))
    assert attribution_of(incident) == (RULE, two_days_before.pk)


def test_an_unknown_repository_is_kept_and_unattributed(organization, web, web_sha):
    deploy(organization, web_sha, at=T0 - hours(1))

    incident = record(organization, repository_name="acme/unknown")

    assert incident.repository is None and incident.repository_name == "acme/unknown"
    assert attribution_of(incident) == (NONE, None)


def test_a_repository_is_found_by_its_name_alone_when_only_one_has_it(organization, web):
    make_repository(organization, "acme/api")
    make_repository(organization, "other/api")

    assert record(organization, "1", repository_name="WEB").repository == web
    assert record(organization, "2", repository_name="api").repository is None


def test_another_organizations_deployment_is_never_a_cause(
    organization, other_organization, web, web_sha
):
    theirs = make_repository(other_organization, "acme/web")
    make_commit(theirs, web_sha, at=T0 - hours(100))
    deploy(other_organization, web_sha, at=T0 - hours(1))

    incident = record(organization, repository_name="acme/web", deployment_sha=web_sha)

    assert attribution_of(incident) == (NONE, None)


def test_an_admin_re_attributes_and_the_rule_leaves_it(organization, web, web_sha):
    chosen = deploy(organization, web_sha, at=T0 - timedelta(days=30))
    incident = record(organization, repository_name="acme/web")

    incident_reattribute(incident=incident, deployment=chosen)
    deploy(organization, web_commit(web), at=T0 - hours(1))
    record(organization, repository_name="acme/web", title="re-posted")

    assert attribution_of(incident) == (EXPLICIT, chosen.pk)
    assert incident.attribution_pinned


def test_a_pinned_incident_follows_its_deployment_to_the_repository_commits_give_it(
    organization, web
):
    sha = make_sha("pushed later")
    deployment = deploy(organization, sha, at=T0 - hours(2))
    incident = record(organization, repository_name="acme/web")
    incident_reattribute(incident=incident, deployment=deployment)
    assert attribution_of(incident) == (EXPLICIT, deployment.pk)
    assert incident.attributed_repository_id is None

    make_commit(web, sha, at=T0 - hours(3))
    commits_link(organization_id=organization.pk, shas=[sha])

    assert attribution_of(incident) == (EXPLICIT, deployment.pk)
    assert incident.attributed_repository_id == web.pk


def test_an_admin_detaches_and_resets(organization, web, web_sha):
    latest = deploy(organization, web_sha, at=T0 - hours(1))
    incident = record(organization, repository_name="acme/web")

    incident_detach(incident=incident)
    deploy(organization, web_sha, at=T0 - hours(2), environment="staging")
    assert attribution_of(incident) == (EXPLICIT, None)

    incident_attribution_reset(incident=incident)
    assert attribution_of(incident) == (RULE, latest.pk)


def test_re_attributing_to_another_organizations_deployment_is_refused(
    organization, other_organization, web
):
    theirs = deploy(other_organization, make_sha("theirs"), at=T0 - hours(1))
    incident = record(organization, repository_name="acme/web")

    with pytest.raises(ValueError):
        incident_reattribute(incident=incident, deployment=theirs)
    assert attribution_of(incident) == (NONE, None)


def test_the_rule_writes_only_the_attribution_values_the_model_knows(organization, web, web_sha):
    deploy(organization, web_sha, at=T0 - hours(1))
    record(organization, "a", repository_name="acme/web")
    record(organization, "b", deployment_sha=web_sha)
    record(organization, "c")

    stored = set(Incident.objects.values_list("attribution", flat=True))
    assert stored == {RULE, EXPLICIT, NONE} == set(Incident.Attribution.values)


def test_a_replacement_that_makes_the_deployment_a_test_re_attributes(organization, web, web_sha):
    earlier = deploy(organization, web_commit(web), at=T0 - hours(5))
    latest = deploy(organization, web_sha, at=T0 - hours(1))
    incident = record(organization, repository_name="acme/web")
    assert attribution_of(incident) == (RULE, latest.pk)

    # The same SHA and environment again: the latest received wins, now as a test.
    deploy(organization, web_sha, at=T0 - hours(1), is_test=True)

    assert attribution_of(incident) == (RULE, earlier.pk)


@pytest.mark.parametrize(
    "order",
    list(itertools.permutations(["commits", "deployments", "incident"])),
    ids=lambda order: " then ".join(order),
)
def test_the_attribution_is_the_same_in_every_arrival_order(organization, web, order):
    """Commit data, deployments and the incident may arrive in any order (webhooks lag,
    imports run later): the answer is the one the rule gives for all of them."""
    shas = [make_sha(f"order {n}") for n in range(3)]
    deployed = {shas[0]: T0 - hours(30), shas[1]: T0 - hours(3), shas[2]: T0 + hours(1)}

    def commits():
        for sha in shas:
            make_commit(web, sha, at=T0 - hours(40))
        commits_link(organization_id=organization.pk, shas=shas)

    def deployments():
        for sha, at in deployed.items():
            deploy(organization, sha, at=at)

    steps = {
        "commits": commits,
        "deployments": deployments,
        "incident": lambda: record(organization, repository_name="acme/web"),
    }
    for step in order:
        steps[step]()

    incident = Incident.objects.get()
    assert incident.attribution == RULE
    assert incident.attributed_deployment.shas == [shas[1]]


def test_the_window_must_be_positive(organization):
    with pytest.raises(ValueError):
        organization_incident_window_update(organization=organization, window=timedelta(0))


def test_deleting_the_organization_deletes_its_incidents(organization, web, web_sha):
    deploy(organization, web_sha, at=T0 - hours(1))
    record(organization, repository_name="acme/web")

    organization.delete()

    assert not Incident.objects.exists()
