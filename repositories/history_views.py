"""The GitHub card's history part: paste a token, pick the repositories to track, stop
tracking one, remove the token. The worker does the reading (repositories/tasks.py)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from organizations.decorators import organization_admin_required
from organizations.throttling import management_throttled
from repositories.github_api import GitHubApiError, GitHubTokenRefused
from repositories.github_connection import (
    github_repositories_track,
    github_repositories_visible,
    github_repository_untrack,
    github_token_connect,
    github_token_disconnect,
)


def _card() -> HttpResponse:
    return redirect(f"{reverse('integrations')}#github-card")


@never_cache
@require_POST
@organization_admin_required
@management_throttled("github-token")
def github_token_save(request):
    try:
        stored = github_token_connect(
            organization=request.organization,
            token=request.POST.get("token", ""),
            created_by=request.user,
        )
    except GitHubTokenRefused as error:
        messages.error(request, f"GitHub refused the token, so nothing was stored: {error}")
        return _card()
    except GitHubApiError as error:
        messages.error(request, f"Shiplog could not check the token with GitHub: {error}")
        return _card()
    messages.success(request, f"Token saved: Shiplog reads GitHub as @{stored.login}.")
    return redirect("github_repositories")


@never_cache
@require_http_methods(["GET", "POST"])
@organization_admin_required
@management_throttled("github-token")
def github_repositories(request):
    """GET: the repositories the token reaches, to pick from. POST: track the picked ones."""
    try:
        visible, more = github_repositories_visible(organization=request.organization)
    except GitHubApiError as error:
        messages.error(request, f"Shiplog could not list your GitHub repositories: {error}")
        return _card()
    context = {
        "repositories": visible,
        "more": more,
        "sync_minutes": settings.SHIPLOG_GITHUB_SYNC_MINUTES,
    }
    if request.method == "GET":
        return render(request, "repositories/github_repositories.html", context)
    reachable = {repository.full_name for repository in visible}
    picked = request.POST.getlist("repositories")
    unknown = [name for name in picked if name not in reachable]
    if unknown or not picked:
        error = (
            f"repositories: the token does not reach {', '.join(unknown)[:200]}."
            if unknown
            else "repositories: pick at least one repository."
        )
        context["error"] = error
        return render(request, "repositories/github_repositories.html", context, status=400)
    tracked = github_repositories_track(organization=request.organization, full_names=picked)
    messages.success(
        request,
        f"Tracking {', '.join(r.full_name for r in tracked)}: the history is read in the "
        "background and kept in sync.",
    )
    return _card()


@require_POST
@organization_admin_required
def github_repository_stop(request, repository_id: int):
    if github_repository_untrack(organization=request.organization, repository_id=repository_id):
        messages.success(request, "Stopped tracking: its history stays, and is not synced.")
    return _card()


@require_POST
@organization_admin_required
def github_token_remove(request):
    github_token_disconnect(organization=request.organization)
    messages.success(request, "GitHub token deleted; repositories are no longer synced.")
    return _card()
