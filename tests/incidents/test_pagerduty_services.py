"""The Settings page's PagerDuty service → repository mappings: a service an admin maps
sends its incidents to that repository (earlier ones move and are attributed again);
removing the mapping goes back to the repository named like the service."""

import pytest
from django.urls import reverse

from incidents.models import Incident, PagerDutyService
from incidents.services import pagerduty_webhook_connect, pagerduty_webhook_secret_save
from tests.factories import make_commit, make_repository, make_sha
from tests.incidents.conftest import T0, deploy, hours
from tests.incidents.test_pagerduty import SECRET, deliver, event

pytestmark = pytest.mark.django_db


@pytest.fixture
def webhook(organization):
    webhook, _ = pagerduty_webhook_connect(organization=organization)
    return pagerduty_webhook_secret_save(webhook=webhook, secret=SECRET)


@pytest.fixture
def checkout(organization):
    """acme/checkout, deployed two hours before the incident; the service is "payments"."""
    repository = make_repository(organization, "acme/checkout")
    sha = make_commit(repository, make_sha("checkout"), at=T0 - hours(100)).sha
    return repository, deploy(organization, sha, at=T0 - hours(2))


def _settings(admin_client) -> str:
    return admin_client.get(reverse("organization_settings")).content.decode()


def test_an_admin_maps_a_service_and_its_incidents_follow(
    client, admin_client, webhook, organization, checkout
):
    repository, deployment = checkout
    deliver(client, webhook, event(service="Payments"))
    incident = Incident.objects.get()
    assert incident.repository is None and incident.attribution == "unattributed"
    page = _settings(admin_client)
    action = reverse("pagerduty_service_add")
    assert f'action="{action}"' in page and f'<option value="{repository.pk}">' in page

    admin_client.post(action, {"service": "payments ", "repository": repository.pk})

    incident.refresh_from_db()
    assert incident.repository == repository
    assert incident.attributed_deployment == deployment and incident.attribution == "rule"
    # A later incident of the service, in any case, goes there at once.
    deliver(client, webhook, event(incident_id="PNEXT", service="PAYMENTS"))
    assert Incident.objects.get(external_id="PNEXT").repository == repository
    assert "payments" in _settings(admin_client)


def test_removing_the_mapping_goes_back_to_the_name(
    client, admin_client, webhook, organization, checkout
):
    repository, _ = checkout
    web = make_repository(organization, "acme/payments")
    mapping = PagerDutyService.objects.create(
        organization=organization, name="payments", repository=repository
    )
    deliver(client, webhook, event(service="payments"))
    assert Incident.objects.get().repository == repository
    remove = reverse("pagerduty_service_remove", args=[mapping.pk])
    assert f'action="{remove}"' in _settings(admin_client)

    admin_client.post(remove)

    assert not PagerDutyService.objects.exists()
    assert Incident.objects.get().repository == web


def test_mapping_a_service_again_replaces_its_repository(admin_client, organization, checkout):
    repository, _ = checkout
    other = make_repository(organization, "acme/other")
    action = reverse("pagerduty_service_add")
    admin_client.post(action, {"service": "payments", "repository": repository.pk})

    admin_client.post(action, {"service": "Payments", "repository": other.pk})

    assert list(PagerDutyService.objects.values_list("name", "repository")) == [
        ("payments", other.pk)
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"service": " ", "repository": "REPO"}, "Name the PagerDuty service"),
        ({"service": "x" * 201, "repository": "REPO"}, "at most 200 characters"),
        ({"service": "payments", "repository": "999999"}, "pick one of the organization"),
        ({"service": "payments", "repository": "abc"}, "pick one of the organization"),
    ],
)
def test_a_bad_mapping_is_refused_and_changes_nothing(
    admin_client, organization, checkout, data, message
):
    repository, _ = checkout
    data = {key: str(repository.pk) if value == "REPO" else value for key, value in data.items()}

    response = admin_client.post(reverse("pagerduty_service_add"), data, follow=True)

    assert message in response.content.decode()
    assert not PagerDutyService.objects.exists()


def test_another_organizations_repository_cannot_be_mapped(
    admin_client, organization, other_organization
):
    theirs = make_repository(other_organization, "globex/web")

    admin_client.post(
        reverse("pagerduty_service_add"), {"service": "web", "repository": theirs.pk}
    )

    assert not PagerDutyService.objects.exists()


def test_members_see_the_mappings_but_cannot_change_them(member_client, organization, checkout):
    repository, _ = checkout
    mapping = PagerDutyService.objects.create(
        organization=organization, name="payments", repository=repository
    )
    page = member_client.get(reverse("organization_settings")).content.decode()
    assert "payments" in page and reverse("pagerduty_service_add") not in page

    add = {"service": "x", "repository": repository.pk}
    assert member_client.post(reverse("pagerduty_service_add"), add).status_code == 403
    remove = reverse("pagerduty_service_remove", args=[mapping.pk])
    assert member_client.post(remove).status_code == 403
    assert PagerDutyService.objects.count() == 1
