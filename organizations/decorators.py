from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from organizations.selectors import membership_for_request, memberships_for_user


def organization_required(view):
    """Log-in required; sets request.organization and request.membership for the view."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        membership = membership_for_request(request)
        if membership is None:
            return render(request, "organizations/no_organization.html", status=403)
        request.membership = membership
        request.organization = membership.organization
        request.memberships = memberships_for_user(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def organization_admin_required(view):
    """Like organization_required, and the user must be an admin of that organization."""

    @organization_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.membership.is_admin:
            raise PermissionDenied("Only organization admins can do this.")
        return view(request, *args, **kwargs)

    return wrapper
