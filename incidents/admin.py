from django.contrib import admin, messages

from incidents.attribution import incident_attribution_reset, incident_detach
from incidents.models import Incident, PagerDutyDelivery, PagerDutyWebhook
from organizations.admin_safety import ModelAdmin


@admin.register(Incident)
class IncidentAdmin(ModelAdmin):
    list_display = [
        "external_id",
        "source",
        "organization",
        "title",
        "repository",
        "started_at",
        "resolved_at",
        "attribution",
        "attributed_deployment",
    ]
    list_filter = ["organization", "source", "attribution"]
    search_fields = ["external_id", "title", "repository_name"]
    list_select_related = ["organization", "repository", "attributed_deployment"]
    date_hierarchy = "started_at"
    actions = ["detach", "reset_attribution"]

    # Written by the sources and attributed by the rule: corrected only through its services.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Detach: no deployment caused it (stored as explicit)")
    def detach(self, request, queryset):
        for incident in queryset:
            incident_detach(incident=incident)
        messages.success(request, f"Detached {len(queryset)} incidents.")

    @admin.action(description="Attribute by the rule again")
    def reset_attribution(self, request, queryset):
        for incident in queryset:
            incident_attribution_reset(incident=incident)
        messages.success(request, f"Re-attributed {len(queryset)} incidents by the rule.")


@admin.register(PagerDutyWebhook)
class PagerDutyWebhookAdmin(ModelAdmin):
    list_display = ["organization", "created_by", "created_at", "secret_rotated_at"]
    # The secret is pasted on the Integrations page and never shown again.
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


@admin.register(PagerDutyDelivery)
class PagerDutyDeliveryAdmin(ModelAdmin):
    list_display = ["event_type", "event_id", "organization", "status", "received_at"]
    list_filter = ["organization", "event_type", "status"]
    search_fields = ["event_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
