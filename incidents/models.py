from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from config.fields import EncryptedTextField
from deployments.models import Deployment
from organizations.models import Organization
from repositories.models import Repository


class Incident(models.Model):
    """An incident from one source, and the deployment it is attributed to.

    `attributed_deployment` and `attribution` are derived by the one rule,
    shiplog_incidents_attribute (incidents/sql/01_attribution.sql), unless an admin pinned
    them (`attribution_pinned`: re-attributed or detached, stored as explicit)."""

    class Source(models.TextChoices):
        API = "api", "Incidents API"
        PAGERDUTY = "pagerduty", "PagerDuty"
        GITHUB = "github", "GitHub issue"
        GITLAB = "gitlab", "GitLab issue"

    class Attribution(models.TextChoices):
        EXPLICIT = "explicit", "Explicit"
        RULE = "rule", "By rule"
        UNATTRIBUTED = "unattributed", "Unattributed"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="incidents"
    )
    source = models.CharField(max_length=20, choices=Source)
    external_id = models.CharField(max_length=255, help_text="The source's id of the incident.")
    title = models.CharField(max_length=500, blank=True)
    url = models.CharField(max_length=2000, blank=True)
    severity = models.CharField(max_length=100, blank=True)
    # As the source named it; `repository` is the known repository of that name, if any.
    repository_name = models.CharField(max_length=200, blank=True)
    repository = models.ForeignKey(
        Repository, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    environment_name = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    # A SHA of the deployment that caused it, as the source said (explicit attribution).
    deployment_sha = models.CharField(max_length=40, blank=True)
    attributed_deployment = models.ForeignKey(
        Deployment, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    # The attributed deployment's repository, kept beside it by the attribution SQL: the
    # rework rule joins a repository's open incidents to its deployments on it, without
    # going through every deployment of that repository.
    attributed_repository = models.ForeignKey(
        Repository,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attributed_incidents",
    )
    attribution = models.CharField(
        max_length=20, choices=Attribution, default=Attribution.UNATTRIBUTED
    )
    attribution_pinned = models.BooleanField(
        default=False, help_text="Set by an admin: the rule leaves this attribution alone."
    )
    # The time of the newest source event applied: an older one never overwrites it.
    source_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "source", "external_id"], name="incident_unique_source_id"
            ),
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True)
                | models.Q(resolved_at__gte=models.F("started_at")),
                name="incident_resolved_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "started_at"], name="incident_org_started"),
            # The incidents a new deployment of a repository may win (started after it).
            models.Index(
                fields=["organization", "repository", "started_at"], name="incident_org_repo"
            ),
            models.Index(
                fields=["organization"],
                condition=~models.Q(deployment_sha=""),
                name="incident_org_with_sha",
            ),
            # Rework: the incidents of a deployment's repository started before it.
            models.Index(
                fields=["organization", "attributed_repository", "started_at"],
                name="incident_org_attributed_repo",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.external_id}"


class PagerDutyWebhook(models.Model):
    """An organization's PagerDuty V3 webhook subscription: an unguessable URL, and the
    signing secret PagerDuty generated for it (pasted by an admin; blank until then),
    encrypted (config.fields) because checking a signature needs it."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="pagerduty_webhook"
    )
    path_token = models.CharField(max_length=64, unique=True)
    secret = EncryptedTextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "PagerDuty webhook"

    def __str__(self) -> str:
        return f"PagerDuty webhook of {self.organization}"


class PagerDutyService(models.Model):
    """An admin's mapping of a PagerDuty service to the repository its incidents are of; a
    service with no mapping goes to the repository named like it (`incident_repository`)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    repository = models.ForeignKey(
        "repositories.Repository", on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = "PagerDuty service"
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="pagerduty_service_org_name_unique"
            )
        ]

    def __str__(self) -> str:
        return f"PagerDuty service {self.name} → {self.repository}"


class PagerDutyDelivery(models.Model):
    """Every verified PagerDuty event, stored raw; its event id makes a redelivery a no-op."""

    class Status(models.TextChoices):
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # Kept when the webhook is disconnected: what PagerDuty sent is never lost.
    webhook = models.ForeignKey(
        PagerDutyWebhook,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=100)
    raw_body = models.TextField()
    received_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status, default=Status.IGNORED)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name_plural = "PagerDuty deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "event_id"], name="pagerduty_delivery_unique_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"
