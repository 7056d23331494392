from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator
from django.db import models
from django.db.models.functions import Lower

# DORA's guidance leaves the window open; a week covers a weekly release train.
DEFAULT_INCIDENT_WINDOW = timedelta(days=7)
DEFAULT_BOT_NAMES = ["dependabot", "renovate", "github-actions", "pre-commit-ci"]


def default_bot_names() -> list[str]:
    return list(DEFAULT_BOT_NAMES)


def validate_names(value) -> None:
    """A list of non-blank strings: the admin edits these as raw JSON, and a bare string
    would be read as a list of its characters."""
    if not isinstance(value, list) or not all(
        isinstance(item, str) and item.strip() for item in value
    ):
        raise ValidationError('Enter a list of names, like ["production", "staging"].')


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    auto_create_contributors = models.BooleanField(
        default=True, help_text="New commit and PR authors become contributors automatically."
    )
    bot_names = models.JSONField(
        default=default_bot_names,
        blank=True,
        validators=[validate_names],
        help_text="Logins, names or emails containing one of these are bots ([bot] always is).",
    )
    counted_environments = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_names],
        help_text="Environments whose deployments count in metrics; empty means all of them.",
    )
    github_deployments_enabled = models.BooleanField(
        default=False,
        # Also in the database: rows written by code that predates the column still insert.
        db_default=False,
        help_text="Record GitHub deployment statuses (state success) sent to the webhook.",
    )
    # Read by the incident attribution rule (incidents/sql/01_attribution.sql); changed
    # through incidents.attribution.organization_incident_window_update, which re-attributes.
    incident_attribution_window = models.DurationField(
        default=DEFAULT_INCIDENT_WINDOW,
        db_default=DEFAULT_INCIDENT_WINDOW,
        help_text="How long before an incident a deployment of its repository can have caused it.",
    )
    # A GitHub or GitLab issue with this label (any case) is an incident (incidents/issues.py).
    incident_label = models.CharField(
        max_length=50,
        default="incident",
        db_default="incident",
        validators=[MinLengthValidator(1)],
        help_text="GitHub issues with this label are incidents: opened starts, closed resolves.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="membership_unique_user_org"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["admin", "member"]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class Team(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="team_unique_slug")
        ]

    def __str__(self) -> str:
        return self.name


class Contributor(models.Model):
    """A person (or bot) whose commits and pull requests Shiplog attributes."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="contributors"
    )
    display_name = models.CharField(max_length=200)
    is_bot = models.BooleanField(default=False)
    is_tracked = models.BooleanField(
        default=True,
        help_text="Untick to mark this person as not a contributor: their work is ignored.",
    )
    teams = models.ManyToManyField(
        Team, through="ContributorTeam", blank=True, related_name="contributors"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name"]
        indexes = [models.Index(fields=["organization", "display_name"])]

    def __str__(self) -> str:
        return self.display_name


class ContributorTeam(models.Model):
    """A contributor's membership of a team. Carries the organization, like every table of
    customer data (what a distributed PostgreSQL co-locates by)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    contributor = models.ForeignKey(Contributor, on_delete=models.CASCADE)
    team = models.ForeignKey(Team, on_delete=models.CASCADE)

    class Meta:
        db_table = "organizations_contributor_teams"
        unique_together = [("contributor", "team")]

    def __str__(self) -> str:
        return f"{self.contributor_id} in {self.team_id}"


class ContributorIdentity(models.Model):
    """An email address or git/GitHub login that resolves to one contributor."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        LOGIN = "login", "Login"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="contributor_identities"
    )
    contributor = models.ForeignKey(
        Contributor, on_delete=models.CASCADE, related_name="identities"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=254)

    class Meta:
        verbose_name_plural = "contributor identities"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "value"], name="identity_unique_per_org"
            ),
            # Stored lowercased so lookups can use the unique index directly.
            models.CheckConstraint(
                condition=models.Q(value=Lower("value")), name="identity_value_lowercase"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["email", "login"]), name="identity_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"
