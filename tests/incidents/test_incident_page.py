"""An incident's page, reached from the dashboard's incidents table: why it is attributed,
and an admin's correction (attribute to a deployment before it, detach, back to the rule),
each followed from the forms the page renders, keeping the dashboard's filters."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from incidents.models import Incident
from tests.factories import make_commit, make_repository
from tests.incidents.conftest import T0, deploy, hours, record

pytestmark = pytest.mark.django_db

FILTERS = "from=2026-02-02&to=2026-03-29&environment=production&statistic=p75"


@pytest.fixture
def deployments(organization):
    """acme/web deployed 30 h and 6 h before T0; the rule picks the later one."""
    web = make_repository(organization, "acme/web")
    earlier = deploy(organization, make_commit(web, at=T0 - hours(90)).sha, at=T0 - hours(30))
    later = deploy(organization, make_commit(web, at=T0 - hours(90)).sha, at=T0 - hours(6))
    return earlier, later


@pytest.fixture
def incident(organization, deployments):
    return record(organization, repository_name="acme/web", title="Checkout down")


def _hrefs(html: str, pattern: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', html) if pattern in href]


def _actions(html: str) -> list[str]:
    return [unescape(action) for action in re.findall(r'action="([^"]+)"', html)]


def _page(client, incident) -> str:
    return client.get(reverse("incident_detail", args=[incident.pk])).content.decode()


def test_the_dashboard_links_the_incident_and_the_way_back_keeps_the_filters(
    admin_client, incident
):
    dashboard = admin_client.get(f"/?{FILTERS}").content.decode()
    (link,) = _hrefs(dashboard, reverse("incident_detail", args=[incident.pk]))
    assert parse_qs(urlsplit(link).query) == parse_qs(FILTERS)

    page = admin_client.get(link).content.decode()

    assert "Checkout down" in page and "The latest counted deployment of its repository" in page
    (back,) = _hrefs(page, "/?")
    assert urlsplit(back).path == "/" and parse_qs(urlsplit(back).query) == parse_qs(FILTERS)
    assert admin_client.get(back).status_code == 200


def test_an_admin_attributes_it_to_an_earlier_deployment_and_the_rule_leaves_it(
    admin_client, organization, incident, deployments
):
    earlier, later = deployments
    assert incident.attributed_deployment == later
    page = admin_client.get(
        reverse("incident_detail", args=[incident.pk]) + f"?{FILTERS}"
    ).content.decode()
    attribute = reverse("incident_attribute", args=[incident.pk])
    (action,) = {a for a in _actions(page) if a.startswith(attribute)}
    assert parse_qs(urlsplit(action).query) == parse_qs(FILTERS)
    assert f'value="{earlier.pk}"' in page

    response = admin_client.post(action, {"deployment": earlier.pk})

    assert response.status_code == 302 and parse_qs(urlsplit(response["Location"]).query) == (
        parse_qs(FILTERS)
    )
    incident.refresh_from_db()
    assert incident.attributed_deployment == earlier
    assert (incident.attribution, incident.attribution_pinned) == ("explicit", True)
    assert "Attributed by an admin" in _page(admin_client, incident)
    # A deployment recorded later, nearer to the incident, does not move a correction.
    web = earlier.repository
    deploy(organization, make_commit(web, at=T0 - hours(90)).sha, at=T0 - hours(1))
    incident.refresh_from_db()
    assert incident.attributed_deployment == earlier


def test_an_admin_detaches_it_then_hands_it_back_to_the_rule(admin_client, incident, deployments):
    _, later = deployments
    detach = reverse("incident_detach", args=[incident.pk])
    assert detach in _actions(_page(admin_client, incident))

    admin_client.post(detach)

    incident.refresh_from_db()
    assert incident.attributed_deployment is None and incident.attribution == "explicit"
    page = _page(admin_client, incident)
    assert "Detached by an admin" in page
    rule = reverse("incident_rule", args=[incident.pk])
    assert rule in _actions(page)

    admin_client.post(rule)

    incident.refresh_from_db()
    assert incident.attributed_deployment == later and incident.attribution == "rule"
    assert not incident.attribution_pinned


def test_a_deployment_of_another_organization_is_refused(
    admin_client, incident, other_organization
):
    theirs = make_repository(other_organization, "globex/web")
    foreign = deploy(other_organization, make_commit(theirs, at=T0 - hours(9)).sha, at=T0)
    before = incident.attributed_deployment

    response = admin_client.post(
        reverse("incident_attribute", args=[incident.pk]), {"deployment": foreign.pk}, follow=True
    )

    assert "deployment: pick one of the organization" in response.content.decode()
    incident.refresh_from_db()
    assert incident.attributed_deployment == before and not incident.attribution_pinned


def test_members_read_the_page_but_cannot_correct(member_client, incident, deployments):
    page = _page(member_client, incident)

    assert "Checkout down" in page and "Correct the attribution" not in page
    earlier, _ = deployments
    url = reverse("incident_attribute", args=[incident.pk])
    assert member_client.post(url, {"deployment": earlier.pk}).status_code == 403
    assert member_client.post(reverse("incident_detach", args=[incident.pk])).status_code == 403
    assert Incident.objects.get().attribution == "rule"


def test_another_organizations_incident_is_not_found(admin_client, other_organization):
    theirs = record(other_organization, "GLOBEX-1", title="Globex secret outage")

    assert admin_client.get(reverse("incident_detail", args=[theirs.pk])).status_code == 404
    assert admin_client.post(reverse("incident_detach", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.attribution_pinned


def test_a_clicked_period_narrows_the_incidents_table(admin_client, organization, incident):
    later = record(organization, "INC-2", title="Payments slow", started_at=T0 + hours(24 * 8))
    range_ = "from=2026-02-02&to=2026-03-29&granularity=week"

    whole = admin_client.get(f"/?{range_}").content.decode()
    week = admin_client.get(f"/?{range_}&period=2026-03-09").content.decode()

    assert "Checkout down" in whole and "Payments slow" in whole
    assert "Payments slow" in week and "Checkout down" not in week
    assert reverse("incident_detail", args=[later.pk]) in week
    assert "started from 9 Mar 2026 to 15 Mar 2026" in week
