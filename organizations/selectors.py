from django.db.models import Prefetch
from django.http import HttpRequest

from organizations.models import Contributor, Membership, Organization, Team

SESSION_KEY = "organization_id"


def memberships_for_user(user) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )


def membership_for_request(request: HttpRequest) -> Membership | None:
    """The membership of the organization the user chose, else their first one."""
    memberships = memberships_for_user(request.user)
    chosen = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.organization_id == chosen:
            return membership
    return memberships[0] if memberships else None


def teams_with_members(organization: Organization) -> list[Team]:
    """The organization's teams by name, each with its contributors prefetched."""
    members = Contributor.objects.order_by("display_name")
    return list(
        organization.teams.order_by("name").prefetch_related(Prefetch("contributors", members))
    )


def contributors_for_settings(organization: Organization) -> list[Contributor]:
    """Every contributor of the organization with identities and teams, people before bots."""
    return list(
        organization.contributors.order_by("is_bot", "display_name", "pk").prefetch_related(
            "identities", "teams"
        )
    )
