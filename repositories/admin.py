from django.contrib import admin

from organizations.admin_safety import ModelAdmin
from repositories.models import (
    Commit,
    GitHubWebhook,
    GitLabWebhook,
    PullRequest,
    Repository,
    WebhookDelivery,
)


@admin.register(Repository)
class RepositoryAdmin(ModelAdmin):
    list_display = ["full_name", "host", "host_url", "organization", "created_at"]
    list_filter = ["host", "organization"]
    search_fields = ["full_name"]


@admin.register(Commit)
class CommitAdmin(ModelAdmin):
    list_display = ["short_sha", "repository", "author_name", "contributor", "committed_at"]
    list_filter = ["organization", "repository"]
    search_fields = ["sha", "author_name", "author_email", "author_login", "message"]
    list_select_related = ["repository", "contributor"]
    raw_id_fields = ["contributor"]
    date_hierarchy = "committed_at"
    show_full_result_count = False

    @admin.display(description="SHA", ordering="sha")
    def short_sha(self, commit):
        return commit.sha[:12]


@admin.register(PullRequest)
class PullRequestAdmin(ModelAdmin):
    list_display = ["__str__", "title", "state", "author", "merged_at", "deploy_moment"]
    list_filter = ["organization", "state", "repository"]
    search_fields = ["title", "number", "author_login", "merge_commit_sha"]
    list_select_related = ["repository", "author"]
    raw_id_fields = ["author", "commits"]
    date_hierarchy = "merged_at"
    show_full_result_count = False


@admin.register(GitHubWebhook)
class GitHubWebhookAdmin(ModelAdmin):
    list_display = ["organization", "created_by", "created_at", "secret_rotated_at"]
    # The secret is shown once on the Integrations page, never here.
    exclude = ["secret"]
    readonly_fields = [
        "organization",
        "path_token",
        "created_by",
        "created_at",
        "secret_rotated_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(GitLabWebhook)
class GitLabWebhookAdmin(ModelAdmin):
    list_display = ["organization", "deployments_enabled", "created_by", "created_at"]
    list_filter = ["deployments_enabled"]
    # The secret token is shown once on the Integrations page, never here.
    exclude = ["secret"]
    readonly_fields = [
        "organization",
        "path_token",
        "created_by",
        "created_at",
        "secret_rotated_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ModelAdmin):
    list_display = ["received_at", "event", "action", "status", "repository", "organization"]
    list_filter = ["event", "status", "organization"]
    search_fields = ["delivery_id", "repository__full_name"]
    list_select_related = ["repository", "organization"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
