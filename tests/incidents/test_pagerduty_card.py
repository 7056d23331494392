"""The PagerDuty card on Integrations: an admin follows the forms it renders from Connect to
a working webhook and back; members only read it."""

import re

import pytest
from django.urls import reverse

from incidents.models import PagerDutyWebhook
from tests.incidents import pagerduty_payloads as pd

pytestmark = pytest.mark.django_db
SECRET = "pd-signing-secret-0123456789"


def card(client) -> str:
    page = client.get(reverse("integrations")).content.decode()
    match = re.search(r'<section[^>]*id="pagerduty-card".*?</section>', page, re.S)
    assert match, "the Integrations page has no PagerDuty card"
    return match.group(0)


def form_action(html: str, button: str) -> str:
    """The action of the form whose submit button reads `button`."""
    for form in re.findall(r"<form.*?</form>", html, re.S):
        if re.search(rf"<button[^>]*type=\"submit\"[^>]*>{re.escape(button)}</button>", form):
            return re.search(r'action="([^"]+)"', form).group(1)
    raise AssertionError(f"no form with a {button!r} button")


def test_an_admin_connects_saves_the_secret_and_receives_an_incident(admin_client, client):
    connect = form_action(card(admin_client), "Create webhook address")
    assert 'data-open-dialog="pagerduty-connect-dialog"' in card(admin_client)

    response = admin_client.post(connect, follow=True)
    assert response.status_code == 200
    html = card(admin_client)
    assert "Waiting for its secret" in html
    url = re.search(r'id="pagerduty-webhook-url" value="([^"]+)"', html).group(1)
    webhook = PagerDutyWebhook.objects.get()
    assert url == f"http://testserver/webhooks/pagerduty/{webhook.path_token}/"
    for event in ("incident.triggered", "incident.acknowledged", "incident.resolved"):
        assert event in html

    admin_client.post(form_action(html, "Save signing secret"), {"secret": SECRET}, follow=True)
    html = card(admin_client)
    assert "Connected" in html and SECRET not in html

    body = pd.encode(pd.incident_event())
    delivered = client.post(
        url.removeprefix("http://testserver"),
        data=body,
        content_type="application/json",
        HTTP_X_PAGERDUTY_SIGNATURE=pd.sign(SECRET, body),
    )
    assert delivered.status_code == 200
    html = card(admin_client)
    assert re.search(r"<dt>Incidents</dt><dd>1</dd>", html)

    admin_client.post(form_action(html, "Disconnect"), follow=True)
    assert "Not connected" in card(admin_client)
    assert not PagerDutyWebhook.objects.exists()


def test_a_blank_secret_is_refused_with_a_message(admin_client):
    admin_client.post(form_action(card(admin_client), "Create webhook address"))

    response = admin_client.post(
        form_action(card(admin_client), "Save signing secret"), {"secret": "  "}, follow=True
    )

    assert "Paste the signing secret" in response.content.decode()
    assert PagerDutyWebhook.objects.get().secret == ""


def test_members_see_the_status_without_any_form(member_client, organization):
    html = card(member_client)
    assert "Ask an organization admin to connect PagerDuty." in html
    assert "<form" not in html
    assert member_client.post(reverse("pagerduty_connect")).status_code == 403
    assert not PagerDutyWebhook.objects.exists()
