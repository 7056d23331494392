from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Upper
from django.db.models.lookups import Contains

from config.fields import EncryptedTextField
from organizations.models import Contributor, Organization

# A repository's path on its code host: two or more "/"-separated segments ("owner/name" on
# GitHub, "group/subgroup/project" on GitLab). The one pattern, which the table's check
# constraint, the webhooks, git imports and the API filters all use.
REPOSITORY_FULL_NAME = r"^[^/\s]+(/[^/\s]+)+$"
REPOSITORY_FULL_NAME_MESSAGE = "must look like owner/name or group/subgroup/project"
GITHUB_URL = "https://github.com"


class Repository(models.Model):
    """A repository of one organization, named by its path (unique in the organization: the
    same path on two hosts is one repository, a mirror), on its code host."""

    class Host(models.TextChoices):
        GITHUB = "github", "GitHub"
        GITLAB = "gitlab", "GitLab"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="repositories"
    )
    full_name = models.CharField(
        max_length=200, help_text="The path on its host: owner/name, or group/subgroup/project"
    )
    # Existing rows and git imports are GitHub's; a delivery or backfill from a host sets it.
    host = models.CharField(
        max_length=10, choices=Host.choices, default=Host.GITHUB, db_default=Host.GITHUB
    )
    host_url = models.CharField(
        max_length=200,
        default=GITHUB_URL,
        db_default=GITHUB_URL,
        help_text="The host's web root: https://github.com, https://gitlab.com, self-managed",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "repositories"
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "full_name"], name="repository_unique_full_name"
            ),
            models.CheckConstraint(
                condition=models.Q(full_name__regex=REPOSITORY_FULL_NAME),
                name="repository_full_name_path_segments",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def html_url(self) -> str:
        """The repository's page on its code host."""
        return f"{self.host_url}/{self.full_name}"

    @property
    def _gitlab_prefix(self) -> str:
        # GitLab puts a project's own pages under "/-/" (a group path could end in "commit").
        return "/-" if self.host == self.Host.GITLAB else ""

    def commit_url(self, sha: str) -> str:
        return f"{self.html_url}{self._gitlab_prefix}/commit/{sha}"

    def pull_request_url(self, number: int) -> str:
        """A pull request's page; on GitLab a merge request's, by its iid."""
        if self.host == self.Host.GITLAB:
            return f"{self.html_url}/-/merge_requests/{number}"
        return f"{self.html_url}/pull/{number}"


class Commit(models.Model):
    # Denormalised so a deployment's SHAs are matched with one indexed lookup per org.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="commits"
    )
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="commits")
    sha = models.CharField(max_length=40)
    author_name = models.CharField(max_length=200, blank=True)
    author_email = models.CharField(max_length=254, blank=True)
    author_login = models.CharField(max_length=100, blank=True)
    contributor = models.ForeignKey(
        Contributor, null=True, blank=True, on_delete=models.SET_NULL, related_name="commits"
    )
    message = models.TextField(blank=True)
    authored_at = models.DateTimeField()
    committed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["repository", "sha"], name="commit_unique_sha"),
            models.CheckConstraint(
                condition=models.Q(sha__regex=r"^[0-9a-f]{40}$"), name="commit_sha_full_lowercase"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "sha"], name="commit_org_sha"),
        ]

    def __str__(self) -> str:
        return self.sha[:12]

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]


# The reference's words for a PR that fixes a failure (case-insensitive, anywhere in the
# title): its change failure rate from PR titles.
# What a lead-time query reads of a PR besides where its lead time ends: the columns of
# `metrics.selectors.pull_requests.LEAD_TIME_SPANS` and the filters on author and repository.
LEAD_TIME_COLUMNS = (
    "deploy_moment",
    "merged_at",
    "first_commit_at",
    "opened_at",
    "first_review_at",
    "author",
    "repository",
    "title_marks_failure",
)
FAILURE_TITLE_WORDS = ("rollback", "hotfix", "revert", "[cfr]")


def failure_title_q() -> models.Q:
    """The title contains one of the words, in any case. Upper-cased on our side, because a
    generated column cannot UPPER() a constant on PostgreSQL (no collation to use)."""
    condition = models.Q()
    for word in FAILURE_TITLE_WORDS:
        condition |= models.Q(Contains(Upper("title"), word.upper()))
    return condition


class PullRequest(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        MERGED = "merged", "Merged"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="pull_requests"
    )
    repository = models.ForeignKey(
        Repository, on_delete=models.CASCADE, related_name="pull_requests"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    is_draft = models.BooleanField(default=False)
    head_branch = models.CharField(max_length=255, blank=True)
    author = models.ForeignKey(
        Contributor,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pull_requests",
    )
    author_login = models.CharField(max_length=100, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    first_review_at = models.DateTimeField(null=True, blank=True)
    merged_at = models.DateTimeField(null=True, blank=True)
    merge_commit_sha = models.CharField(max_length=40, blank=True)
    # The code host's updated_at of the state written last: an older snapshot never
    # overwrites a newer one (null for sources that do not send it).
    source_updated_at = models.DateTimeField(null=True, blank=True)
    commits = models.ManyToManyField(
        Commit, through="PullRequestCommit", blank=True, related_name="pull_requests"
    )
    # Derived at write time so the dashboard never scans history: the earliest authored_at
    # of the PR's commits, and the latest counted deployment that ships the PR.
    first_commit_at = models.DateTimeField(null=True, blank=True)
    deploy_moment = models.DateTimeField(null=True, blank=True)
    # The tags of those same counted deployments (sorted, distinct), kept with deploy_moment:
    # a tag filter reads the PR instead of joining every deployment that ever shipped one.
    shipped_tags = models.JSONField(default=list, db_default=[], blank=True)
    # The failure-title rule, computed by the database whenever the title is written, so the
    # metrics read a flag instead of four case-insensitive LIKEs per PR.
    title_marks_failure = models.GeneratedField(
        expression=models.ExpressionWrapper(failure_title_q(), output_field=models.BooleanField()),
        output_field=models.BooleanField(),
        db_persist=True,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["repository", "number"], name="pr_unique_number"),
            models.CheckConstraint(
                condition=models.Q(merge_commit_sha="")
                | models.Q(merge_commit_sha__regex=r"^[0-9a-f]{40}$"),
                name="pr_merge_commit_sha_full_lowercase",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="merged") | models.Q(merged_at__isnull=False),
                name="pr_merged_has_merged_at",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "merge_commit_sha"], name="pr_org_merge_sha"),
            models.Index(fields=["organization", "merged_at"], name="pr_org_merged_at"),
            models.Index(fields=["organization", "deploy_moment"], name="pr_org_deploy_moment"),
            # Where a counted PR's lead time ends (its deploy moment, else its merge), newest
            # first: the drilldown table's default order reads 20 index entries instead of
            # sorting every PR of the range (`selectors.pull_requests_table`). It includes
            # every column the lead-time queries read (`pull_requests_counted`), so they scan
            # the range's index entries only, not the PRs' wide rows.
            models.Index(
                F("organization"),
                Coalesce("deploy_moment", "merged_at"),
                F("id"),
                name="pr_org_end_covering",
                include=LEAD_TIME_COLUMNS,
            ),
            # Merged PRs no counted deployment ships (yet, or ever: a never-deployed
            # repository's): the dashboard lists the oldest of the range ("merged, not
            # deployed") without reading every merge.
            models.Index(
                fields=["organization", "merged_at"],
                condition=Q(deploy_moment__isnull=True),
                name="pr_org_merged_undeployed",
            ),
            models.Index(fields=["repository", "head_branch"], name="pr_repo_head_branch"),
        ]

    def __str__(self) -> str:
        return f"{self.repository.full_name}#{self.number}"

    @property
    def html_url(self) -> str:
        return self.repository.pull_request_url(self.number)


class GitHubWebhook(models.Model):
    """An organization's GitHub webhook: an unguessable payload URL and its signing secret.

    Verifying X-Hub-Signature-256 needs the secret itself, so it is encrypted rather than
    hashed: the database holds a token of SHIPLOG_SECRETS_KEY (config.fields), `secret` reads
    as the plain secret. It is shown once when generated and never rendered or logged after.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="github_webhook"
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
        verbose_name = "GitHub webhook"

    def __str__(self) -> str:
        return f"GitHub webhook of {self.organization}"


class GitLabWebhook(models.Model):
    """An organization's GitLab webhook (project or group): an unguessable URL and the secret
    token GitLab sends back in X-Gitlab-Token, encrypted like GitHub's secret. Deployment
    events become deployments only when `deployments_enabled` (opt-in)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="gitlab_webhook"
    )
    path_token = models.CharField(max_length=64, unique=True)
    secret = EncryptedTextField()
    deployments_enabled = models.BooleanField(default=False, db_default=False)
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
        verbose_name = "GitLab webhook"

    def __str__(self) -> str:
        return f"GitLab webhook of {self.organization}"


class WebhookDelivery(models.Model):
    """Every verified delivery, stored raw; its delivery id (X-GitHub-Delivery, GitLab's
    Idempotency-Key or X-Gitlab-Event-UUID) makes redelivery a no-op."""

    class Status(models.TextChoices):
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    # Kept when the webhook is disconnected: what GitHub sent is never lost.
    webhook = models.ForeignKey(
        GitHubWebhook, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    gitlab_webhook = models.ForeignKey(
        GitLabWebhook, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    delivery_id = models.CharField(max_length=100)
    event = models.CharField(max_length=100)
    action = models.CharField(max_length=100, blank=True)
    repository = models.ForeignKey(
        Repository, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    # The pushed ref, so a PR opened after its branch was pushed can claim those commits.
    ref = models.CharField(max_length=255, blank=True)
    raw_body = models.TextField()
    received_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "delivery_id"], name="delivery_unique_per_webhook"
            ),
            models.UniqueConstraint(
                fields=["gitlab_webhook", "delivery_id"], name="delivery_unique_per_gitlab_webhook"
            ),
        ]
        indexes = [
            models.Index(fields=["repository", "event", "ref"], name="delivery_repo_event_ref"),
            models.Index(fields=["organization", "received_at"], name="delivery_org_received"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.delivery_id}"


class PullRequestCommit(models.Model):
    """A commit of a pull request. Carries the organization, like every table of customer
    data (what a distributed PostgreSQL co-locates by)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    pullrequest = models.ForeignKey(PullRequest, on_delete=models.CASCADE)
    commit = models.ForeignKey(Commit, on_delete=models.CASCADE)

    class Meta:
        db_table = "repositories_pullrequest_commits"
        unique_together = [("pullrequest", "commit")]

    def __str__(self) -> str:
        return f"{self.commit_id} in {self.pullrequest_id}"


from repositories.sync_models import (  # noqa: E402, F401
    GitHubApiToken,
    GitHubSyncState,
    GitLabApiToken,
)
