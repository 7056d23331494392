from django.contrib import admin

from deployments.models import Deployment, DeploymentCommit, DeploymentReceipt
from deployments.recording import deployments_delete
from organizations.admin_safety import ModelAdmin


class DeploymentCommitInline(admin.TabularInline):
    model = DeploymentCommit
    extra = 0
    fields = ["position", "sha", "commit"]
    readonly_fields = fields


@admin.register(Deployment)
class DeploymentAdmin(ModelAdmin):
    list_display = [
        "display_title",
        "environment_name",
        "repository",
        "deployed_at",
        "is_test",
        "receipt_count",
    ]
    list_filter = ["organization", "environment_name", "is_test"]
    search_fields = ["title", "default_title", "dedupe_key"]
    list_select_related = ["repository"]
    raw_id_fields = ["repository"]
    date_hierarchy = "deployed_at"
    inlines = [DeploymentCommitInline]
    show_full_result_count = False

    # The deduplicated view of the receipts, with links and attribution derived from it:
    # viewed here, changed only through the API. Deleting one recomputes what it shipped.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        deployments_delete(deployments=Deployment.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        deployments_delete(deployments=queryset)


@admin.register(DeploymentReceipt)
class DeploymentReceiptAdmin(ModelAdmin):
    list_display = ["request_id", "organization", "token", "received_at", "deployment"]
    list_filter = ["organization"]
    search_fields = ["request_id"]
    readonly_fields = [
        "organization",
        "token",
        "deployment",
        "request_id",
        "raw_body",
        "received_at",
    ]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
