"""The operator's admin: incidents are read there and corrected only through the
attribution services (detach, the rule again)."""

import pytest
from django.urls import reverse

from incidents.models import Incident
from incidents.services import pagerduty_webhook_connect, pagerduty_webhook_secret_save
from tests.incidents.conftest import T0, deploy, hours, record

pytestmark = pytest.mark.django_db


def test_the_changelist_shows_incidents_and_no_secret(superuser_client, organization):
    record(organization, title="Checkout down")
    webhook, _ = pagerduty_webhook_connect(organization=organization)
    pagerduty_webhook_secret_save(webhook=webhook, secret="pd-secret-value")

    incidents = superuser_client.get(reverse("admin:incidents_incident_changelist"))
    webhook_page = superuser_client.get(
        reverse("admin:incidents_pagerdutywebhook_change", args=[webhook.pk])
    )

    assert "Checkout down" in incidents.content.decode()
    assert webhook_page.status_code == 200
    assert "pd-secret-value" not in webhook_page.content.decode()


def test_detach_then_the_rule_again(superuser_client, organization, web, web_sha):
    deployment = deploy(organization, web_sha, at=T0 - hours(1))
    incident = record(organization, repository_name="acme/web")
    changelist = reverse("admin:incidents_incident_changelist")

    superuser_client.post(changelist, {"action": "detach", "_selected_action": [incident.pk]})
    incident.refresh_from_db()
    assert (incident.attribution, incident.attributed_deployment, incident.attribution_pinned) == (
        "explicit",
        None,
        True,
    )

    superuser_client.post(
        changelist, {"action": "reset_attribution", "_selected_action": [incident.pk]}
    )
    incident.refresh_from_db()
    assert (incident.attribution, incident.attributed_deployment_id) == ("rule", deployment.pk)
    assert not incident.attribution_pinned
    assert Incident.objects.count() == 1
