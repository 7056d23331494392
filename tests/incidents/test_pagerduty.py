"""The PagerDuty V3 webhook over HTTP: signatures, the three incident events, replays,
hostile payloads, and the create_pagerduty_webhook command."""

import copy
import itertools
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from incidents.models import Incident, PagerDutyDelivery, PagerDutyWebhook
from incidents.services import pagerduty_webhook_connect, pagerduty_webhook_secret_save
from tests.incidents import pagerduty_payloads as pd
from tests.incidents.conftest import T0, deploy, hours

pytestmark = pytest.mark.django_db
SECRET = "ChfxB3OYL1hKPGiUoDb7m7iuqPKCsMpnMKkT5Zap8ho2hJA2y9pmu7kFaIfAyW2L"
_events = itertools.count(1)


@pytest.fixture
def webhook(organization):
    webhook, _ = pagerduty_webhook_connect(organization=organization)
    return pagerduty_webhook_secret_save(webhook=webhook, secret=SECRET)


def deliver(client, webhook, payload=None, *, body=None, signature=None):
    body = body if body is not None else pd.encode(payload)
    return client.post(
        reverse("pagerduty_webhook", args=[webhook.path_token]),
        data=body,
        content_type="application/json",
        HTTP_X_PAGERDUTY_SIGNATURE=signature if signature is not None else pd.sign(SECRET, body),
    )


def event(event_type="incident.triggered", **fields):
    return pd.incident_event(event_type, event_id=f"event-{next(_events)}", **fields)


def nothing_stored():
    return not (PagerDutyDelivery.objects.exists() or Incident.objects.exists())


# Signatures


@pytest.mark.parametrize(
    "signature", ["", "v1=" + "0" * 64, "v0=abc", pd.sign("another secret", b"{}")]
)
def test_a_missing_or_wrong_signature_is_401_and_stores_nothing(client, webhook, signature):
    response = deliver(client, webhook, event(), signature=signature)

    assert response.status_code == 401
    assert nothing_stored()


def test_one_matching_signature_among_several_is_enough(client, webhook):
    body = pd.encode(event())
    header = f"v1={'f' * 64},{pd.sign(SECRET, body)}, v1={'0' * 64}"

    assert deliver(client, webhook, body=body, signature=header).status_code == 200


def test_a_webhook_without_its_secret_yet_refuses_everything(client, organization):
    webhook, _ = pagerduty_webhook_connect(organization=organization)
    body = pd.encode(event())

    response = deliver(client, webhook, body=body, signature=pd.sign("", body))

    assert response.status_code == 401
    assert nothing_stored()


def test_an_unknown_webhook_url_is_404(client, webhook):
    response = client.post(
        "/webhooks/pagerduty/nope/", data=b"{}", content_type="application/json"
    )
    assert response.status_code == 404


# The incident events


def test_triggered_creates_the_incident_attributed_to_the_services_repository(
    client, webhook, organization, web, web_sha
):
    deployment = deploy(organization, web_sha, at=T0 - hours(1))

    response = deliver(client, webhook, event(service="web"))

    assert response.status_code == 200
    incident = Incident.objects.get()
    assert incident.source == "pagerduty" and incident.external_id == "PGR0VU2"
    assert incident.title == "A little bump in the road"
    assert incident.url == "https://acme.pagerduty.com/incidents/PGR0VU2"
    assert incident.severity == "P1"
    assert incident.started_at == T0 and incident.resolved_at is None
    assert incident.repository == web
    assert (incident.attribution, incident.attributed_deployment) == ("rule", deployment)
    assert PagerDutyDelivery.objects.get().status == "processed"


def test_the_urgency_is_the_severity_without_a_priority(client, webhook):
    deliver(client, webhook, event(priority=None))
    assert Incident.objects.get().severity == "high"


def test_acknowledged_then_resolved(client, webhook):
    deliver(client, webhook, event())
    deliver(client, webhook, event("incident.acknowledged", occurred_at="2026-03-02T12:10:00Z"))
    assert Incident.objects.get().resolved_at is None

    deliver(client, webhook, event("incident.resolved", occurred_at="2026-03-02T12:45:00Z"))

    assert Incident.objects.get().resolved_at == T0 + hours(0.75)


def test_a_replayed_older_event_never_reopens_a_resolved_incident(client, webhook):
    deliver(client, webhook, event("incident.resolved", occurred_at="2026-03-02T12:45:00Z"))

    response = deliver(
        client, webhook, event("incident.acknowledged", occurred_at="2026-03-02T12:10:00Z")
    )

    assert response.status_code == 200
    assert "older" in response.json()["detail"]
    assert Incident.objects.get().resolved_at == T0 + hours(0.75)


def test_a_newer_reopened_event_opens_it_again(client, webhook):
    deliver(client, webhook, event("incident.resolved", occurred_at="2026-03-02T12:45:00Z"))

    deliver(client, webhook, event("incident.reopened", occurred_at="2026-03-02T13:00:00Z"))

    assert Incident.objects.get().resolved_at is None


def test_a_redelivered_event_changes_nothing(client, webhook):
    payload = event()
    deliver(client, webhook, payload)

    response = deliver(client, webhook, payload)

    assert response.json()["status"] == "duplicate"
    assert PagerDutyDelivery.objects.count() == 1 and Incident.objects.count() == 1


def test_a_service_named_like_no_repository_is_kept_unattributed(client, webhook, web, web_sha):
    deliver(client, webhook, event(service="Payments"))

    incident = Incident.objects.get()
    assert incident.repository_name == "Payments" and incident.repository is None
    assert incident.attribution == "unattributed"


@pytest.mark.parametrize("payload", [pd.service_updated(), event("incident.annotated")])
def test_other_events_are_stored_and_answered_202(client, webhook, payload):
    response = deliver(client, webhook, payload)

    assert response.status_code == 202
    assert PagerDutyDelivery.objects.get().status == "ignored"
    assert not Incident.objects.exists()


# Hostile payloads: a 400 naming the field, never a 500, nothing stored


def _with(path: str, value):
    payload = copy.deepcopy(event())
    node = payload
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return payload


@pytest.mark.parametrize(
    "payload, field",
    [
        (_with("event.id", KeyError), "event.id"),
        (_with("event.event_type", 7), "event.event_type"),
        (_with("event.occurred_at", "soon"), "event.occurred_at"),
        (_with("event.data.created_at", KeyError), "event.data.created_at"),
        (_with("event.data.created_at", "2026-03-02T12:00:00"), "event.data.created_at"),
        (_with("event.data.created_at", "2200-01-01T00:00:00Z"), "event.data.created_at"),
        (_with("event.data.id", ""), "event.data.id"),
        (_with("event.data.title", ["x"]), "event.data.title"),
        (_with("event.data.title", "a\u0000b"), "event.data.title"),
        (_with("event.data", "incident"), "event.data.created_at"),
        ({"event": []}, "event.id"),
        ([], "body"),
    ],
)
def test_a_malformed_payload_is_a_400_naming_the_field(client, webhook, payload, field):
    response = deliver(client, webhook, payload)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert nothing_stored()


@pytest.mark.parametrize(
    "body",
    [b"not json", b"\xff\xfe", b'{"event": {"id": "\\ud800"}}', b"[" * 100_000 + b"]" * 100_000],
)
def test_bodies_that_are_not_storable_json_are_400(client, webhook, body):
    response = deliver(client, webhook, body=body)

    assert response.status_code == 400
    assert nothing_stored()


def test_a_long_title_is_cut_to_its_column(client, webhook):
    deliver(client, webhook, _with("event.data.title", "t" * 900))
    assert len(Incident.objects.get().title) == 500


def test_a_body_over_the_limit_is_413(client, webhook):
    body = json.dumps({"event": {"id": "1", "padding": "x" * (1024 * 1024)}}).encode()
    assert deliver(client, webhook, body=body).status_code == 413
    assert nothing_stored()


# create_pagerduty_webhook


def test_the_command_prints_the_url_and_stores_the_secret(organization, capsys):
    call_command("create_pagerduty_webhook", "--org", "acme", "--base-url", "https://s.example/")
    first = json.loads(capsys.readouterr().out)
    webhook = PagerDutyWebhook.objects.get()
    assert first == {
        "url": f"https://s.example/webhooks/pagerduty/{webhook.path_token}/",
        "secret": None,
    }

    call_command("create_pagerduty_webhook", "--org", "acme", "--secret", SECRET)
    second = json.loads(capsys.readouterr().out)

    assert second["secret"] == SECRET
    assert second["url"].endswith(first["url"].removeprefix("https://s.example"))
    assert PagerDutyWebhook.objects.get().secret == SECRET


def test_the_command_refuses_an_unknown_organization_or_a_blank_secret(organization):
    with pytest.raises(CommandError):
        call_command("create_pagerduty_webhook", "--org", "nope")
    with pytest.raises(CommandError):
        call_command("create_pagerduty_webhook", "--org", "acme", "--secret", "  ")


def test_the_secret_is_stored_encrypted(webhook):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM incidents_pagerdutywebhook")
        (stored,) = cursor.fetchone()
    assert SECRET not in stored


def test_a_link_that_is_not_a_web_address_is_dropped(client, webhook):
    deliver(client, webhook, _with("event.data.html_url", "javascript:alert(1)"))
    assert Incident.objects.get().url == ""
