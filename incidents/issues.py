"""Code-host issues that are incidents: GitHub's `issues` event, and GitLab's Issue Hook (an
issue of GitLab's Incident type, or one with the label). An issue carrying the organization's
`incident_label` ("incident" by default, any case) is an incident: opened starts it,
closed resolves it, reopened opens it again. Every other issue is stored and answered 202.

The incident's id is "PATH#NUMBER" (source github or gitlab); its repository is the issue's.
An event older than the one applied last (the issue's `updated_at`) changes nothing, so a
replayed "opened" never reopens a closed incident. An issue whose label is removed keeps
its incident as it was: the history of what happened stays.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from incidents.models import Incident
from incidents.services import IncidentRejected, incident_record
from organizations.models import Organization
from repositories import gitlab
from repositories.github import repository_full_name
from repositories.models import WebhookDelivery
from repositories.payload_fields import (
    PayloadError,
    field,
    objects,
    positive_integer,
    text,
    time_field,
    web_url,
)
from repositories.services import CodeHost, repository_ensure
from repositories.webhooks import Applied, handler_register

GITHUB_ISSUE_ACTIONS = {"opened", "edited", "closed", "reopened", "labeled", "unlabeled"}
GITLAB_ISSUE_HOOK = "Issue Hook"
# GitLab's work item type of an incident (object_attributes.type; issue_type before 17.2).
GITLAB_INCIDENT_TYPE = "incident"


@dataclass(frozen=True)
class IssueData:
    source: str
    repository_full_name: str
    repository_host: CodeHost | None  # GitLab's names its host; None keeps what is stored
    number: int
    labels: frozenset[str]
    # GitLab's Incident type: an incident whatever its labels.
    typed_incident: bool
    fields: dict
    updated_at: datetime

    @property
    def external_id(self) -> str:
        return f"{self.repository_full_name}#{self.number}"


def _labels(payload: dict, path: str, name_key: str) -> frozenset[str]:
    return frozenset(objects(payload, path, lambda label: text(label, name_key, 100).casefold()))


def _fields(payload, prefix: str, *, full_name: str, closed: bool, severity: str = "") -> dict:
    started_at = time_field(payload, f"{prefix}.created_at").astimezone(UTC)
    closed_at = time_field(payload, f"{prefix}.closed_at", required=False)
    ended_at = closed_at or time_field(payload, f"{prefix}.updated_at")
    return {
        "title": text(payload, f"{prefix}.title", 500),
        "url": web_url(payload, f"{prefix}.{'html_url' if prefix == 'issue' else 'url'}", 2000),
        "severity": severity,
        "repository_name": full_name,
        "started_at": started_at,
        "resolved_at": max(ended_at.astimezone(UTC), started_at) if closed else None,
    }


def github_issue_parse(payload: dict) -> IssueData:
    """The issue of a GitHub `issues` delivery, or PayloadError naming the field."""
    full_name = repository_full_name(payload)
    field(payload, "issue.labels", list)
    return IssueData(
        source=Incident.Source.GITHUB,
        repository_full_name=full_name,
        repository_host=None,
        number=positive_integer(payload, "issue.number"),
        labels=_labels(payload, "issue.labels", "name"),
        typed_incident=False,
        fields=_fields(
            payload, "issue", full_name=full_name, closed=field(payload, "issue.state") == "closed"
        ),
        updated_at=time_field(payload, "issue.updated_at").astimezone(UTC),
    )


def gitlab_issue_parse(payload: dict) -> IssueData:
    """The issue of a GitLab Issue Hook, or PayloadError naming the field."""
    project = gitlab.project_parse(payload)
    kind = text(payload, "object_attributes.type", 50) or text(
        payload, "object_attributes.issue_type", 50
    )
    state = field(payload, "object_attributes.state")
    return IssueData(
        source=Incident.Source.GITLAB,
        repository_full_name=project.full_name,
        repository_host=project.host,
        number=positive_integer(payload, "object_attributes.iid"),
        labels=_labels(payload, "labels", "title"),
        typed_incident=kind.casefold() == GITLAB_INCIDENT_TYPE,
        fields=_fields(
            payload,
            "object_attributes",
            full_name=project.full_name,
            closed=state == "closed",
            severity=text(payload, "object_attributes.severity", 100),
        ),
        updated_at=time_field(payload, "object_attributes.updated_at").astimezone(UTC),
    )


def issue_apply(organization: Organization, data: IssueData, delivery: WebhookDelivery):
    """Records the issue as an incident when it is one (`incident_record`), else ignores it."""
    repository = repository_ensure(
        organization=organization, full_name=data.repository_full_name, host=data.repository_host
    )
    if not data.typed_incident and organization.incident_label.casefold() not in data.labels:
        detail = f"issue {data.external_id} is not labelled {organization.incident_label!r}"
        return Applied(detail=detail, repository=repository, ignored=True)
    try:
        result = incident_record(
            organization=organization,
            source=data.source,
            external_id=data.external_id,
            fields=data.fields,
            source_updated_at=data.updated_at,
        )
    except IncidentRejected as error:
        raise PayloadError("created_at", error.message) from None
    if result.stale:
        detail = f"issue {data.external_id} is older than the last event applied; nothing changed"
        return Applied(detail=detail, repository=repository)
    state = "resolved" if result.incident.resolved_at else "open"
    detail = f"incident {data.external_id} is {state} ({result.incident.attribution})"
    return Applied(detail=detail, repository=repository)


def webhook_handlers_register() -> None:
    """Called once from IncidentsConfig.ready."""
    handler_register(
        "issues", actions=GITHUB_ISSUE_ACTIONS, parse=github_issue_parse, apply=issue_apply
    )
    handler_register(
        GITLAB_ISSUE_HOOK, actions=None, parse=gitlab_issue_parse, apply=issue_apply, host="gitlab"
    )
