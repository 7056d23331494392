from django.http import HttpRequest

from organizations.models import Membership

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
