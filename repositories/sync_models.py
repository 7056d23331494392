"""The GitHub and GitLab API tokens an organization stored, and where each repository's
backfill stands (so a crashed run resumes)."""

from django.conf import settings
from django.db import models

from config.fields import EncryptedTextField
from organizations.models import Organization


class GitHubApiToken(models.Model):
    """The token the background sync reads GitHub with, encrypted at rest; never shown again."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="github_api_token"
    )
    token = EncryptedTextField()
    # The GitHub account the token acts as (GET /user), so admins see whose access it is.
    login = models.CharField(max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "GitHub API token"

    def __str__(self) -> str:
        return f"GitHub token of {self.organization} (as {self.login})"


class GitLabApiToken(models.Model):
    """The token GitLab's backfill reads with (PRIVATE-TOKEN), encrypted at rest."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="gitlab_api_token"
    )
    token = EncryptedTextField()
    # The GitLab account the token acts as (GET /user).
    username = models.CharField(max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "GitLab API token"

    def __str__(self) -> str:
        return f"GitLab token of {self.organization} (as {self.username})"


class GitHubSyncState(models.Model):
    """One row per repository, GitHub's or GitLab's (history_backfill's cursor: the name
    predates GitLab). `next_page_url` is set while a run is under way (the page to fetch
    next); the ETag and the high-water mark describe the last finished run."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    repository = models.OneToOneField(
        "repositories.Repository", on_delete=models.CASCADE, related_name="github_sync"
    )
    # Tracked repositories are synced by the background worker with the stored token.
    tracked = models.BooleanField(default=False)
    first_page_etag = models.CharField(max_length=200, blank=True)
    # The newest PR updated_at a finished run saw; a run stops at the first PR older than it.
    updated_at_mark = models.DateTimeField(null=True, blank=True)
    # Finished runs read every PR updated since this (null: all of them, once a run finished).
    covered_since = models.DateTimeField(null=True, blank=True)
    # The run under way's own mark (its first page's newest) and where it stops (null: at the
    # oldest PR), kept until it finishes.
    pending_updated_at_mark = models.DateTimeField(null=True, blank=True)
    pending_stop_at = models.DateTimeField(null=True, blank=True)
    next_page_url = models.TextField(blank=True)
    pull_requests_done = models.PositiveIntegerField(default=0)
    pull_requests_estimate = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # One run per repository: a run claims the row until lease_expires_at (renewed per page).
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "GitHub sync state"

    def __str__(self) -> str:
        return f"GitHub sync of {self.repository}"
