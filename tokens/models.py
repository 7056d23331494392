from django.conf import settings
from django.db import models

from organizations.models import Organization


class Scope(models.TextChoices):
    DEPLOYMENTS_WRITE = "deployments:write", "Write deployments"
    DEPLOYMENTS_READ = "deployments:read", "Read deployments"
    METRICS_READ = "metrics:read", "Read metrics"
    INCIDENTS_WRITE = "incidents:write", "Write incidents"
    INCIDENTS_READ = "incidents:read", "Read incidents"


class ApiToken(models.Model):
    """An API token. Only its SHA-256 is stored; the plaintext is shown once."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    display_prefix = models.CharField(max_length=16)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "revoked_at"], name="token_org_active")]

    def __str__(self) -> str:
        return f"{self.name} ({self.display_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class TokenEvent(models.Model):
    """Audit trail: every generate, revoke and regenerate, who did it and when."""

    class Action(models.TextChoices):
        GENERATED = "generated", "Generated"
        REVOKED = "revoked", "Revoked"
        REGENERATED = "regenerated", "Regenerated"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="token_events"
    )
    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} {self.token.display_prefix} at {self.created_at:%Y-%m-%d %H:%M}"


class ApiTokenRequestCount(models.Model):
    """How many requests a token made in one throttle period (a fixed window)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    period = models.BigIntegerField(help_text="Seconds since the epoch // the window length.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "period"], name="token_request_count_unique")
        ]

    def __str__(self) -> str:
        return f"{self.token_id}@{self.period}: {self.count}"
