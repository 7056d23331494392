"""Writing incidents: one upsert for every source (the API, PagerDuty), then the one
attribution rule (incidents.attribution); and the PagerDuty webhook's URL and secret."""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from deployments.locks import link_lock
from incidents.attribution import incidents_attribute
from incidents.models import Incident, PagerDutyService, PagerDutyWebhook
from organizations.models import Organization
from repositories.models import Repository
from repositories.webhook_secrets import webhook_path_token

# What a source may set; a field it leaves out keeps its stored value.
RECORDED_FIELDS = frozenset(
    {
        "title",
        "url",
        "severity",
        "repository_name",
        "environment_name",
        "started_at",
        "resolved_at",
        "deployment_sha",
    }
)


class IncidentRejected(ValueError):
    """The fields would leave the stored incident inconsistent: nothing was written."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class IncidentResult:
    incident: Incident
    created: bool
    # The source's event was older than what is stored: nothing changed.
    stale: bool = False


def repository_for_name(*, organization: Organization, name: str) -> Repository | None:
    """The organization's repository called `name`: its owner/name path, or its name alone
    when exactly one repository has it (a PagerDuty service is often named after one).
    Case-insensitive, as GitHub's names are; None when unknown or ambiguous."""
    name = name.strip()
    if not name:
        return None
    exact = Repository.objects.filter(organization=organization, full_name__iexact=name)
    if found := exact.first():
        return found
    if "/" in name:
        return None
    by_name = list(
        Repository.objects.filter(organization=organization, full_name__iendswith=f"/{name}")[:2]
    )
    return by_name[0] if len(by_name) == 1 else None


def incident_repository(*, organization: Organization, source: str, name: str):
    """The repository an incident of `source` naming `name` is of: for PagerDuty, the
    admin's mapping of that service first; otherwise the repository called so."""
    if source == Incident.Source.PAGERDUTY and name.strip():
        mapped = (
            PagerDutyService.objects.filter(organization=organization, name__iexact=name.strip())
            .select_related("repository")
            .first()
        )
        if mapped is not None:
            return mapped.repository
    return repository_for_name(organization=organization, name=name)


@transaction.atomic
def pagerduty_service_map(
    *, organization: Organization, name: str, repository: Repository
) -> PagerDutyService:
    """Maps a PagerDuty service to a repository of the organization (replacing its earlier
    mapping); the service's incidents move to it and are attributed again."""
    name = name.strip()
    if not name or len(name) > 200:
        raise IncidentRejected("service", "Name the PagerDuty service (at most 200 characters).")
    if repository.organization_id != organization.pk:
        raise ValueError("The repository belongs to another organization.")
    mapping = PagerDutyService.objects.filter(organization=organization, name__iexact=name).first()
    if mapping is None:
        mapping = PagerDutyService(organization=organization, name=name)
    mapping.repository = repository
    mapping.save()
    _pagerduty_service_incidents_resolve(organization, name)
    return mapping


@transaction.atomic
def pagerduty_service_unmap(*, mapping: PagerDutyService) -> None:
    """Deletes the mapping: the service's incidents go back to the repository named like it."""
    mapping.delete()
    _pagerduty_service_incidents_resolve(mapping.organization, mapping.name)


def _pagerduty_service_incidents_resolve(organization: Organization, name: str) -> None:
    link_lock(organization_id=organization.pk, shared=False)
    repository = incident_repository(
        organization=organization, source=Incident.Source.PAGERDUTY, name=name
    )
    incidents = Incident.objects.filter(
        organization=organization, source=Incident.Source.PAGERDUTY, repository_name__iexact=name
    )
    ids = list(incidents.values_list("pk", flat=True))
    incidents.update(repository=repository)
    incidents_attribute(organization_id=organization.pk, incident_ids=ids)


def incident_record(
    *,
    organization: Organization,
    source: str,
    external_id: str,
    fields: dict,
    source_updated_at: datetime | None = None,
) -> IncidentResult:
    """Creates or updates the organization's incident `external_id` of `source` (unique
    together, so concurrent first deliveries leave one row) with `fields` (RECORDED_FIELDS),
    then attributes it. `source_updated_at`: when the source's event happened; an event
    older than the one last applied changes nothing (a replay never reopens an incident).
    IncidentRejected (field "resolved_at") when it would end before it started, say a later
    startedAt with the stored resolvedAt kept.
    """
    unknown = set(fields) - RECORDED_FIELDS
    if unknown:
        raise ValueError(f"Not incident fields: {sorted(unknown)}")
    with transaction.atomic():
        # Exclusive, as relinking is: recordings in flight commit first and are seen by the
        # rule; recordings after this one see the incident and re-attribute it.
        link_lock(organization_id=organization.pk, shared=False)
        incident = _incident_inserted(organization, source, external_id, fields, source_updated_at)
        created = incident is not None
        if not created:
            incident = Incident.objects.select_for_update().get(
                organization=organization, source=source, external_id=external_id
            )
            stored_at = incident.source_updated_at
            if source_updated_at and stored_at and source_updated_at < stored_at:
                return IncidentResult(incident=incident, created=False, stale=True)
            _fields_apply(incident, fields, source_updated_at)
            incident.save()
        incidents_attribute(organization_id=organization.pk, incident_ids=[incident.pk])
    incident.refresh_from_db()
    return IncidentResult(incident=incident, created=created)


def _incident_inserted(organization, source, external_id, fields, source_updated_at):
    """The new incident, or None when the organization has one of that id already (also
    when a concurrent first delivery of it committed first)."""
    key = {"organization": organization, "source": source, "external_id": external_id}
    if Incident.objects.filter(**key).exists():
        return None
    incident = Incident(**key)
    _fields_apply(incident, fields, source_updated_at)
    try:
        with transaction.atomic():
            incident.save(force_insert=True)
    except IntegrityError:
        if not Incident.objects.filter(**key).exists():
            raise
        return None
    return incident


def _fields_apply(incident: Incident, fields: dict, source_updated_at) -> None:
    for name, value in fields.items():
        setattr(incident, name, "" if value is None and name != "resolved_at" else value)
    if incident.resolved_at is not None and incident.resolved_at < incident.started_at:
        raise IncidentRejected("resolved_at", "Must not be before startedAt.")
    if "repository_name" in fields:
        incident.repository = incident_repository(
            organization=incident.organization,
            source=incident.source,
            name=incident.repository_name,
        )
    if source_updated_at is not None:
        incident.source_updated_at = source_updated_at


# PagerDuty generates a subscription's signing secret and shows it once: the admin pastes it.
MAX_SECRET_LENGTH = 200


@transaction.atomic
def pagerduty_webhook_connect(
    *, organization: Organization, created_by=None
) -> tuple[PagerDutyWebhook, bool]:
    """(webhook, created): an unguessable URL for PagerDuty to send to. Until its signing
    secret is saved every delivery is refused. Connecting twice keeps the first one."""
    return PagerDutyWebhook.objects.get_or_create(
        organization=organization,
        defaults={"created_by": created_by, "path_token": webhook_path_token(), "secret": ""},
    )


@transaction.atomic
def pagerduty_webhook_secret_save(*, webhook: PagerDutyWebhook, secret: str) -> PagerDutyWebhook:
    """Stores (encrypted) the signing secret PagerDuty showed for the subscription; a new
    one replaces it. ValueError when it is blank, too long or holds whitespace."""
    secret = secret.strip()
    if not secret or len(secret) > MAX_SECRET_LENGTH or any(c.isspace() for c in secret):
        raise ValueError(
            f"Paste the signing secret PagerDuty showed: 1 to {MAX_SECRET_LENGTH} characters, "
            "no spaces."
        )
    webhook.secret = secret
    webhook.secret_rotated_at = timezone.now()
    webhook.save(update_fields=["secret", "secret_rotated_at"])
    return webhook


@transaction.atomic
def pagerduty_webhook_disconnect(*, webhook: PagerDutyWebhook) -> None:
    """Deletes the webhook: its URL stops answering. Stored deliveries and incidents stay."""
    webhook.delete()
