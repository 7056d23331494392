from django.core.exceptions import ImproperlyConfigured
from rest_framework.permissions import BasePermission

from organizations.selectors import membership_for_request
from tokens.models import ApiToken


def _required_scope(view, method: str) -> str | None:
    """The scope the view needs for this method; HEAD needs what GET needs."""
    if hasattr(view, "required_scopes"):
        scopes = view.required_scopes
        return scopes.get(method) or (scopes.get("GET") if method == "HEAD" else None)
    if hasattr(view, "required_scope"):
        return view.required_scope
    raise ImproperlyConfigured(
        f"{type(view).__name__} uses HasScope but sets neither required_scope nor required_scopes."
    )


class HasScope(BasePermission):
    """The request's API token carries the scope the view declares.

    A view sets `required_scope = "deployments:write"`, or `required_scopes` per method
    (`{"GET": "deployments:read", "POST": "deployments:write"}`); a method it does not list
    is refused. No token → False, which DRF turns into 401; a missing scope → 403.
    """

    message = "The API token does not have the scope this request needs."

    def has_permission(self, request, view) -> bool:
        scope = _required_scope(view, request.method)
        if not isinstance(request.auth, ApiToken):
            return False
        if scope is None or scope not in request.auth.scopes:
            self.message = f"The API token does not have the {scope or 'required'} scope."
            return False
        return True


class CanReadMetrics(BasePermission):
    """A token needs the metrics:read scope; a session user needs a membership."""

    message = "You are not a member of an organization."

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ApiToken):
            scope = HasScope()
            allowed = scope.has_permission(request, view)
            self.message = scope.message
            return allowed
        return bool(request.user) and membership_for_request(request) is not None
