from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from organizations.admin_safety import ModelAdmin, SecretLookupsRefused
from organizations.models import (
    Contributor,
    ContributorIdentity,
    ContributorTeam,
    Membership,
    Organization,
    Team,
)
from organizations.services import (
    contributors_flag,
    contributors_merge,
    organization_counting_update,
)

# Django's own user admin, with lookups on the password hash refused like any secret.
admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class UserAdmin(SecretLookupsRefused, auth_admin.UserAdmin):
    pass


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(ModelAdmin):
    list_display = [
        "name",
        "slug",
        "auto_create_contributors",
        "github_deployments_enabled",
        "created_at",
    ]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    # Changing it re-attributes incidents (incidents.attribution), which this app cannot call.
    readonly_fields = ["incident_attribution_window"]

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        # What counts goes through its service, which refreshes the deploy moments.
        counted, bot_names = obj.counted_environments, obj.bot_names
        stored = Organization.objects.only("counted_environments", "bot_names").get(pk=obj.pk)
        obj.counted_environments, obj.bot_names = stored.counted_environments, stored.bot_names
        super().save_model(request, obj, form, change)
        organization_counting_update(
            organization=obj, counted_environments=counted, bot_names=bot_names
        )


@admin.register(Membership)
class MembershipAdmin(ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization"]
    search_fields = ["user__username", "organization__slug"]
    autocomplete_fields = ["user", "organization"]


@admin.register(Team)
class TeamAdmin(ModelAdmin):
    list_display = ["name", "slug", "organization"]
    list_filter = ["organization"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class IdentityInline(admin.TabularInline):
    model = ContributorIdentity
    extra = 0
    fields = ["kind", "value"]


class TeamMembershipInline(admin.TabularInline):
    model = ContributorTeam
    extra = 0
    fields = ["team"]
    autocomplete_fields = ["team"]
    verbose_name_plural = "teams"


@admin.register(Contributor)
class ContributorAdmin(ModelAdmin):
    list_display = ["display_name", "organization", "is_bot", "is_tracked", "team_names"]
    list_filter = ["organization", "is_bot", "is_tracked", "teams"]
    list_editable = ["is_bot", "is_tracked"]
    search_fields = ["display_name", "identities__value"]
    inlines = [TeamMembershipInline, IdentityInline]

    def save_formset(self, request, form, formset, change):
        for membership_form in formset.forms:
            if formset.model is ContributorTeam and membership_form.instance.team_id:
                membership_form.instance.organization_id = form.instance.organization_id
        super().save_formset(request, form, formset, change)

    actions = [
        "mark_bots",
        "mark_people",
        "mark_not_contributors",
        "mark_contributors",
        "merge_into_oldest",
    ]

    # Through contributors_flag, which re-derives the deployments' attribution: each action
    # shows in the metrics at once.
    @admin.action(description="Mark selected as bots")
    def mark_bots(self, request, queryset):
        count = contributors_flag(contributors=queryset, is_bot=True)
        self.message_user(request, f"{count} marked as bots.")

    @admin.action(description="Mark selected as people (not bots)")
    def mark_people(self, request, queryset):
        count = contributors_flag(contributors=queryset, is_bot=False)
        self.message_user(request, f"{count} marked as people.")

    @admin.action(description="Mark selected as not contributors (ignore their work)")
    def mark_not_contributors(self, request, queryset):
        count = contributors_flag(contributors=queryset, is_tracked=False)
        self.message_user(request, f"{count} no longer counted as contributors.")

    @admin.action(description="Mark selected as contributors")
    def mark_contributors(self, request, queryset):
        count = contributors_flag(contributors=queryset, is_tracked=True)
        self.message_user(request, f"{count} counted as contributors.")

    @admin.action(description="Merge selected into one person (the oldest)")
    def merge_into_oldest(self, request, queryset):
        target, *others = queryset.order_by("created_at", "pk")
        try:
            contributors_merge(target=target, others=others)
        except ValidationError as error:
            self.message_user(request, error.messages[0], level=messages.ERROR)
            return
        self.message_user(request, f"Merged {len(others)} into {target}.")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("teams")

    @admin.display(description="Teams")
    def team_names(self, contributor):
        return ", ".join(team.name for team in contributor.teams.all())


@admin.register(ContributorIdentity)
class ContributorIdentityAdmin(ModelAdmin):
    list_display = ["value", "kind", "contributor", "organization"]
    list_filter = ["kind", "organization"]
    search_fields = ["value", "contributor__display_name"]
    autocomplete_fields = ["contributor"]
