from django.contrib import admin

from organizations.admin_safety import ModelAdmin
from tokens.models import ApiToken, TokenEvent


@admin.register(ApiToken)
class ApiTokenAdmin(ModelAdmin):
    list_display = [
        "display_prefix",
        "name",
        "organization",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["organization", "revoked_at"]
    search_fields = ["display_prefix", "name"]
    exclude = ["token_hash"]
    readonly_fields = [
        "organization",
        "display_prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]

    def has_add_permission(self, request):
        # Tokens are generated on the Integrations page so the plaintext is shown once.
        return False


@admin.register(TokenEvent)
class TokenEventAdmin(ModelAdmin):
    list_display = ["created_at", "action", "token", "actor", "organization"]
    list_filter = ["action", "organization"]
    list_select_related = ["token", "actor", "organization"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
