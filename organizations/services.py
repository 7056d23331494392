import secrets

from django.contrib.auth import get_user_model
from django.db import transaction

from organizations.models import Membership, Organization


def password_generate() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def user_ensure(*, username: str, password: str | None = None) -> tuple[object, bool]:
    """Returns (user, created). A given password is (re)set; a new user without one gets none."""
    user, created = get_user_model().objects.get_or_create(username=username)
    if password is not None:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user, created


@transaction.atomic
def organization_create(*, slug: str, name: str = "") -> Organization:
    organization, _ = Organization.objects.get_or_create(
        slug=slug, defaults={"name": name or slug.replace("-", " ").title()}
    )
    return organization


@transaction.atomic
def membership_set(*, organization: Organization, user, role: str) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    return membership
