"""The Deployments API card's actions. One view per action; the plaintext is in one response."""

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from organizations.decorators import organization_admin_required
from organizations.throttling import management_throttled
from tokens.models import Scope
from tokens.selectors import api_token_for_organization
from tokens.services import (
    TokenAlreadyActive,
    TokenAlreadyRevoked,
    deployments_api_token_connect,
    token_regenerate,
    token_revoke,
)

DEPLOYMENTS_API_PATH = "/api/v1/deployments"
METRICS_API_PATH = "/api/v1/metrics"
# The modal's choice: what CI needs to record deployments, or a read-only metrics token.
ACCESS_SCOPES = {
    "deployments": [Scope.DEPLOYMENTS_WRITE.value, Scope.DEPLOYMENTS_READ.value],
    "metrics": [Scope.METRICS_READ.value],
}


def _scopes_chosen(request, default: list[str] | None) -> list[str] | None:
    """The posted `access` choice's scopes; none posted keeps `default`; anything else 400."""
    access = request.POST.get("access")
    if access is None:
        return default
    if access not in ACCESS_SCOPES:
        raise BadRequest(f"access must be one of {sorted(ACCESS_SCOPES)}.")
    return ACCESS_SCOPES[access]


def _token_or_404(request, pk: int):
    token = api_token_for_organization(organization=request.organization, pk=pk)
    if token is None:
        raise Http404("No such token in this organization.")
    return token


def _reveal(request, token, plaintext: str) -> HttpResponse:
    """The only response that ever carries the plaintext: a fragment for the modal's fetch(),
    or a full page when the form was posted without JavaScript."""
    in_dialog = request.headers.get("X-Requested-With") == "fetch"
    context = {
        "token": token,
        "plaintext": plaintext,
        "api_url": request.build_absolute_uri(DEPLOYMENTS_API_PATH),
        "metrics_url": request.build_absolute_uri(METRICS_API_PATH),
        "metrics_only": token.scopes == ACCESS_SCOPES["metrics"],
        "in_dialog": in_dialog,
    }
    template = "tokens/_token_reveal.html" if in_dialog else "tokens/token_reveal.html"
    return render(request, template, context)


def _conflict(message: str) -> HttpResponse:
    return HttpResponse(message, status=409, content_type="text/plain; charset=utf-8")


@never_cache
@require_POST
@organization_admin_required
@management_throttled("api-token")
def token_generate_view(request):
    try:
        token, plaintext = deployments_api_token_connect(
            organization=request.organization,
            created_by=request.user,
            scopes=_scopes_chosen(request, None),
        )
    except TokenAlreadyActive:
        return _conflict("This organization already has an active token. Reload the page.")
    return _reveal(request, token, plaintext)


@never_cache
@require_POST
@organization_admin_required
@management_throttled("api-token")
def token_regenerate_view(request, pk: int):
    try:
        token = _token_or_404(request, pk)
        token, plaintext = token_regenerate(
            token=token, regenerated_by=request.user, scopes=_scopes_chosen(request, None)
        )
    except TokenAlreadyRevoked:
        return _conflict("This token was already revoked. Reload the page.")
    return _reveal(request, token, plaintext)


@require_POST
@organization_admin_required
@management_throttled("api-token")
def token_revoke_view(request, pk: int):
    token = token_revoke(token=_token_or_404(request, pk), revoked_by=request.user)
    messages.success(request, f"Token {token.display_prefix}… was revoked. It no longer works.")
    return redirect("integrations")
