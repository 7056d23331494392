"""GitHub issues labelled as incidents (the organization's `incident_label`, "incident" by
default) become incidents, through the GitHub webhook's `issues` event: opened is started,
closed is resolved, reopened is open again. Every other issue is stored and answered 202.

The incident's id is "OWNER/NAME#NUMBER" (source github); its repository is the issue's.
An event older than the one applied last (the issue's `updated_at`) changes nothing, so a
replayed "opened" never reopens a closed incident. An issue whose label is removed keeps
its incident as it was: the history of what happened stays.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from incidents.models import Incident
from incidents.services import IncidentRejected, incident_record
from organizations.models import Organization
from repositories.github import repository_full_name
from repositories.models import WebhookDelivery
from repositories.payload_fields import PayloadError, field, positive_integer, text, time_field
from repositories.services import repository_ensure
from repositories.webhooks import Applied, handler_register

ISSUE_ACTIONS = {"opened", "edited", "closed", "reopened", "labeled", "unlabeled"}


@dataclass(frozen=True)
class IssueData:
    repository_full_name: str
    number: int
    labels: frozenset[str]
    fields: dict
    updated_at: datetime


def issue_parse(payload: dict) -> IssueData:
    """The issue of an `issues` delivery, or PayloadError naming the field."""
    labels = field(payload, "issue.labels", list)
    names = set()
    for index, label in enumerate(labels):
        if not isinstance(label, dict):
            raise PayloadError(f"issue.labels.{index}", "must be an object")
        names.add(text(label, "name", 100).casefold())
    state = field(payload, "issue.state")
    started_at = time_field(payload, "issue.created_at").astimezone(UTC)
    closed_at = time_field(payload, "issue.closed_at", required=False)
    url = text(payload, "issue.html_url", 2000)
    full_name = repository_full_name(payload)
    return IssueData(
        repository_full_name=full_name,
        number=positive_integer(payload, "issue.number"),
        labels=frozenset(names),
        fields={
            "title": text(payload, "issue.title", 500),
            "url": url if url.startswith(("https://", "http://")) else "",
            "repository_name": full_name,
            "started_at": started_at,
            "resolved_at": (
                max(closed_at.astimezone(UTC), started_at)
                if state == "closed" and closed_at
                else None
            ),
        },
        updated_at=time_field(payload, "issue.updated_at").astimezone(UTC),
    )


def issue_apply(organization: Organization, data: IssueData, delivery: WebhookDelivery):
    repository = repository_ensure(organization=organization, full_name=data.repository_full_name)
    label = organization.incident_label.casefold()
    name = f"{data.repository_full_name}#{data.number}"
    if label not in data.labels:
        return Applied(
            detail=f"issue {name} is not labelled {organization.incident_label!r}",
            repository=repository,
            ignored=True,
        )
    try:
        result = incident_record(
            organization=organization,
            source=Incident.Source.GITHUB,
            external_id=name,
            fields=data.fields,
            source_updated_at=data.updated_at,
        )
    except IncidentRejected as error:
        raise PayloadError("issue.created_at", error.message) from None
    if result.stale:
        detail = f"issue {name} is older than the last event applied; nothing changed"
        return Applied(detail=detail, repository=repository)
    state = "resolved" if result.incident.resolved_at else "open"
    detail = f"incident {name} is {state} ({result.incident.attribution})"
    return Applied(detail=detail, repository=repository)


def webhook_handler_register() -> None:
    """Called once from IncidentsConfig.ready."""
    handler_register("issues", actions=ISSUE_ACTIONS, parse=issue_parse, apply=issue_apply)
