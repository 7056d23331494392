"""PagerDuty V3 webhooks: the signature, the payload, and applying one event.

PagerDuty signs the raw body with each of the subscription's secrets (several during a
rotation): X-PagerDuty-Signature is "v1=<hex HMAC-SHA256>" comma-separated. Each delivery
carries one event, {"event": {"id", "event_type", "resource_type", "occurred_at", "data"}},
`data` being the incident for incident.* events (its id, html_url, title, created_at,
service.summary, priority.summary, urgency).
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents.models import Incident, PagerDutyDelivery, PagerDutyWebhook
from incidents.services import IncidentRejected, incident_record
from repositories.payload_fields import (
    PayloadError,
    field,
    payload_decode,
    text,
    time_field,
    web_url,
)

MAX_PAYLOAD_BYTES = 1024 * 1024
# The events that start, keep open or end an incident; every other one is stored, 202.
# A reopened incident is open again (when that event is newer than the resolution).
OPEN_EVENTS = {
    "incident.triggered",
    "incident.acknowledged",
    "incident.unacknowledged",
    "incident.reopened",
}
RESOLVED_EVENT = "incident.resolved"


@dataclass(frozen=True)
class PagerDutyEvent:
    event_id: str
    event_type: str
    occurred_at: datetime | None = None
    incident_id: str = ""
    fields: dict | None = None


@dataclass(frozen=True)
class DeliveryOutcome:
    status_code: int
    status: str
    detail: str


def signature_is_valid(*, secret: str, body: bytes, header: str) -> bool:
    """At least one v1= signature of the header is HMAC-SHA256(secret, body), compared in
    constant time (every candidate is compared, so the time does not say which matched).
    No secret saved yet: nothing is valid."""
    if not secret:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
    candidates = [part.strip() for part in header.split(",")]
    matched = False
    for candidate in candidates:
        if candidate.startswith("v1="):
            matched |= hmac.compare_digest(expected, candidate[3:].encode())
    return matched


def _id(payload: dict, path: str, max_length: int) -> str:
    """A required, non-blank string, cut to its column."""
    value = field(payload, path)
    if not value.strip():
        raise PayloadError(path, "must not be blank")
    return value[:max_length]


def _time(payload: dict, path: str) -> datetime:
    return time_field(payload, path).astimezone(UTC)


def event_parse(payload: dict) -> PagerDutyEvent:
    """The event, or PayloadError naming the field. An incident event yields the incident's
    fields; any other event only its id and type."""
    event_id = _id(payload, "event.id", 100)
    event_type = _id(payload, "event.event_type", 100)
    if event_type not in OPEN_EVENTS | {RESOLVED_EVENT}:
        return PagerDutyEvent(event_id=event_id, event_type=event_type)
    occurred_at = _time(payload, "event.occurred_at")
    started_at = _time(payload, "event.data.created_at")
    severity = text(payload, "event.data.priority.summary", 100)
    fields = {
        "title": text(payload, "event.data.title", 500),
        "url": web_url(payload, "event.data.html_url", 2000),
        "severity": severity or text(payload, "event.data.urgency", 100),
        "repository_name": text(payload, "event.data.service.summary", 200),
        "started_at": started_at,
        # A clock a little behind still resolves it: never before it started.
        "resolved_at": max(occurred_at, started_at) if event_type == RESOLVED_EVENT else None,
    }
    return PagerDutyEvent(
        event_id=event_id,
        event_type=event_type,
        occurred_at=occurred_at,
        incident_id=_id(payload, "event.data.id", 255),
        fields=fields,
    )


def pagerduty_delivery_receive(*, webhook: PagerDutyWebhook, body: bytes) -> DeliveryOutcome:
    """Stores a verified delivery and applies its event. Parsed before anything is written,
    so a bad payload changes nothing; a repeated event id changes nothing; an event older
    than the last one applied to its incident changes nothing (never reopens it)."""
    event = event_parse(payload_decode(body))
    with transaction.atomic():
        delivery = _delivery_store(webhook, event, body)
        if delivery is None:
            return DeliveryOutcome(200, "duplicate", f"Event {event.event_id} already received.")
        outcome = _apply(webhook, event)
        delivery.status, delivery.detail = outcome.status, outcome.detail[:300]
        delivery.save(update_fields=["status", "detail"])
    return outcome


def _apply(webhook: PagerDutyWebhook, event: PagerDutyEvent) -> DeliveryOutcome:
    if event.fields is None:
        detail = f"{event.event_type} is not used by Shiplog"
        return DeliveryOutcome(202, PagerDutyDelivery.Status.IGNORED, detail)
    try:
        result = incident_record(
            organization=webhook.organization,
            source=Incident.Source.PAGERDUTY,
            external_id=event.incident_id,
            fields=event.fields,
            source_updated_at=event.occurred_at,
        )
    except IncidentRejected as error:
        raise PayloadError("event.data.created_at", error.message) from None
    if result.stale:
        detail = f"{event.event_type} is older than the last event applied; nothing changed"
        return DeliveryOutcome(200, PagerDutyDelivery.Status.IGNORED, detail)
    state = "resolved" if result.incident.resolved_at else "open"
    detail = f"incident {event.incident_id} is {state} ({result.incident.attribution})"
    return DeliveryOutcome(200, PagerDutyDelivery.Status.PROCESSED, detail)


def _delivery_store(webhook, event: PagerDutyEvent, body: bytes) -> PagerDutyDelivery | None:
    try:
        with transaction.atomic():
            return PagerDutyDelivery.objects.create(
                organization_id=webhook.organization_id,
                webhook=webhook,
                event_id=event.event_id,
                event_type=event.event_type,
                raw_body=body.decode("utf-8"),
                received_at=timezone.now(),
            )
    except IntegrityError:
        return None
