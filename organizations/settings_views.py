"""The settings page's actions, one view per action, each through an organizations service.

The page itself (config.views.organization_settings) lives with the project glue: it shows
the environment names seen in deployments, which organizations may not import.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from organizations.decorators import organization_admin_required
from organizations.models import Contributor, Team
from organizations.services import (
    bot_names_update,
    contributors_flag,
    contributors_merge,
    github_deployments_set,
    incident_label_set,
    team_create,
    team_member_add,
    team_member_remove,
)
from organizations.tasks import organization_counting_request


def _back(section: str):
    return redirect(f"{reverse('organization_settings')}#{section}")


def _id(value) -> int:
    """A posted id; anything that is not a positive integer finds nothing (404)."""
    return int(value) if str(value).isdecimal() else 0


def _contributor(request, pk) -> Contributor:
    return get_object_or_404(Contributor, organization=request.organization, pk=_id(pk))


def _team(request, pk) -> Team:
    return get_object_or_404(Team, organization=request.organization, pk=_id(pk))


def _names(text: str) -> list[str]:
    """One name a line (commas separate too); blanks and repeats dropped, order kept."""
    names = [name.strip() for line in text.splitlines() for name in line.split(",")]
    return list(dict.fromkeys(name for name in names if name))


def _failed(request, error: ValidationError, section: str):
    messages.error(request, " ".join(error.messages))
    return _back(section)


@require_POST
@organization_admin_required
def counting_update(request):
    counted = list(dict.fromkeys(n.strip() for n in request.POST.getlist("environment")))
    try:
        counted = organization_counting_request(
            organization=request.organization, counted_environments=[n for n in counted if n]
        )
    except ValidationError as error:
        return _failed(request, error, "counting")
    shown = ", ".join(counted) if counted else "every environment"
    messages.success(
        request,
        f"Counted environments saved: {shown}. The background worker recounts every deploy "
        "moment; the dashboard shows the new setting once it has.",
    )
    return _back("counting")


@require_POST
@organization_admin_required
def bot_names_save(request):
    names = _names(request.POST.get("bot_names", ""))
    try:
        bot_names_update(organization=request.organization, bot_names=names)
    except ValidationError as error:
        return _failed(request, error, "bots")
    messages.success(request, f"Bot names saved ({len(names)}).")
    return _back("bots")


@require_POST
@organization_admin_required
def github_deployments_save(request):
    organization = github_deployments_set(
        organization=request.organization,
        enabled=request.POST.get("github_deployments") == "on",
    )
    state = "on" if organization.github_deployments_enabled else "off"
    messages.success(request, f"GitHub deployments are {state}.")
    return _back("github-deployments")


@require_POST
@organization_admin_required
def incident_label_save(request):
    try:
        organization = incident_label_set(
            organization=request.organization, label=request.POST.get("incident_label", "")
        )
    except ValidationError as error:
        messages.error(request, "Incident label: " + " ".join(error.messages))
        return _back("incidents")
    messages.success(
        request, f"GitHub issues labelled {organization.incident_label!r} are incidents."
    )
    return _back("incidents")


@require_POST
@organization_admin_required
def team_add(request):
    try:
        team = team_create(organization=request.organization, name=request.POST.get("name", ""))
    except ValidationError as error:
        return _failed(request, error, "teams")
    messages.success(request, f"Team {team.name} created. Add its members below.")
    return _back("teams")


@require_POST
@organization_admin_required
def team_member_add_view(request):
    team = _team(request, request.POST.get("team"))
    contributor = _contributor(request, request.POST.get("contributor"))
    team_member_add(team=team, contributor=contributor)
    messages.success(request, f"{contributor} is now in {team}.")
    return _back("teams")


@require_POST
@organization_admin_required
def team_member_remove_view(request, team_pk: int, contributor_pk: int):
    team, contributor = _team(request, team_pk), _contributor(request, contributor_pk)
    team_member_remove(team=team, contributor=contributor)
    messages.success(request, f"{contributor} is no longer in {team}.")
    return _back("teams")


@require_POST
@organization_admin_required
def contributors_merge_view(request):
    target = _contributor(request, request.POST.get("target"))
    other = _contributor(request, request.POST.get("other"))
    if other.pk == target.pk:
        messages.error(request, "Choose two different people to merge.")
        return _back("contributors")
    contributors_merge(target=target, others=[other])
    messages.success(request, f"Merged {other} into {target}: one person now.")
    return _back("contributors")


def _tracking_set(request, pk: int, *, is_tracked: bool):
    contributor = _contributor(request, pk)
    contributors_flag(
        contributors=Contributor.objects.filter(pk=contributor.pk), is_tracked=is_tracked
    )
    state = "counted as a contributor again" if is_tracked else "no longer counted"
    messages.success(request, f"{contributor} is {state}.")
    return _back("contributors")


@require_POST
@organization_admin_required
def contributor_untrack(request, pk: int):
    return _tracking_set(request, pk, is_tracked=False)


@require_POST
@organization_admin_required
def contributor_track(request, pk: int):
    return _tracking_set(request, pk, is_tracked=True)
