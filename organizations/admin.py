from django.contrib import admin

from organizations.models import Contributor, ContributorIdentity, Membership, Organization, Team


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "auto_create_contributors", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization"]
    search_fields = ["user__username", "organization__slug"]
    autocomplete_fields = ["user", "organization"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "organization"]
    list_filter = ["organization"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class IdentityInline(admin.TabularInline):
    model = ContributorIdentity
    extra = 0
    fields = ["kind", "value"]


@admin.register(Contributor)
class ContributorAdmin(admin.ModelAdmin):
    list_display = ["display_name", "organization", "is_bot", "is_tracked", "team_names"]
    list_filter = ["organization", "is_bot", "is_tracked", "teams"]
    list_editable = ["is_bot", "is_tracked"]
    search_fields = ["display_name", "identities__value"]
    filter_horizontal = ["teams"]
    inlines = [IdentityInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("teams")

    @admin.display(description="Teams")
    def team_names(self, contributor):
        return ", ".join(team.name for team in contributor.teams.all())


@admin.register(ContributorIdentity)
class ContributorIdentityAdmin(admin.ModelAdmin):
    list_display = ["value", "kind", "contributor", "organization"]
    list_filter = ["kind", "organization"]
    search_fields = ["value", "contributor__display_name"]
    autocomplete_fields = ["contributor"]
