"""PagerDuty V3 webhook payloads in the shapes of PagerDuty's documentation (developer
docs, Webhooks → Overview: the event envelope and the `incident` data type) and its
signature (Webhooks → Verifying Signatures: v1=<hex HMAC-SHA256>, comma-separated)."""

import hashlib
import hmac
import json


def sign(secret: str, body: bytes) -> str:
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(payload) -> bytes:
    return json.dumps(payload).encode()


def incident_event(
    event_type="incident.triggered",
    *,
    event_id="5ac64822-4adc-4fda-ade0-410becf0de4f",
    occurred_at="2026-03-02T12:00:05.169Z",
    incident_id="PGR0VU2",
    created_at="2026-03-02T12:00:00Z",
    service="web",
    priority="P1",
    status=None,
) -> dict:
    return {
        "event": {
            "id": event_id,
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": occurred_at,
            "agent": {
                "html_url": "https://acme.pagerduty.com/users/PLH1HKV",
                "id": "PLH1HKV",
                "self": "https://api.pagerduty.com/users/PLH1HKV",
                "summary": "Tenex Engineer",
                "type": "user_reference",
            },
            "client": {"name": "PagerDuty"},
            "data": {
                "id": incident_id,
                "type": "incident",
                "self": f"https://api.pagerduty.com/incidents/{incident_id}",
                "html_url": f"https://acme.pagerduty.com/incidents/{incident_id}",
                "number": 2,
                "status": status or event_type.removeprefix("incident."),
                "incident_key": "d3640fbd41094207a1c11e58e46b1662",
                "created_at": created_at,
                "title": "A little bump in the road",
                "service": {
                    "html_url": "https://acme.pagerduty.com/services/PF9KMXH",
                    "id": "PF9KMXH",
                    "self": "https://api.pagerduty.com/services/PF9KMXH",
                    "summary": service,
                    "type": "service_reference",
                },
                "assignees": [],
                "escalation_policy": {
                    "html_url": "https://acme.pagerduty.com/escalation_policies/PUS0KTE",
                    "id": "PUS0KTE",
                    "self": "https://api.pagerduty.com/escalation_policies/PUS0KTE",
                    "summary": "Default",
                    "type": "escalation_policy_reference",
                },
                "teams": [],
                "priority": priority
                and {
                    "html_url": "https://acme.pagerduty.com/account/incident_priorities",
                    "id": "PSO75BM",
                    "self": "https://api.pagerduty.com/priorities/PSO75BM",
                    "summary": priority,
                    "type": "priority_reference",
                },
                "urgency": "high",
                "conference_bridge": None,
                "resolve_reason": None,
            },
        }
    }


def service_updated() -> dict:
    return {
        "event": {
            "id": "01BRB6ZP4M6T8ZG4X6BP63ZB9O",
            "event_type": "service.updated",
            "resource_type": "service",
            "occurred_at": "2026-03-02T13:35:11.682Z",
            "agent": None,
            "client": None,
            "data": {
                "html_url": "https://acme.pagerduty.com/services/PF9KMXH",
                "id": "PF9KMXH",
                "self": "https://api.pagerduty.com/services/PF9KMXH",
                "summary": "testing service updates",
                "type": "service",
            },
        }
    }
