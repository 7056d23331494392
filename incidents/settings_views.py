"""The Settings page's incident forms: the attribution window and the PagerDuty service →
repository mappings (organizations may not import incidents, whose services re-attribute
the incidents each change concerns)."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from incidents.attribution import organization_incident_window_update
from incidents.models import PagerDutyService
from incidents.services import IncidentRejected, pagerduty_service_map, pagerduty_service_unmap
from organizations.decorators import organization_admin_required
from repositories.models import Repository

MAX_WINDOW_DAYS = 90


def _back():
    return redirect(f"{reverse('organization_settings')}#incidents")


@require_POST
@organization_admin_required
def incident_window_save(request):
    raw = request.POST.get("window_days", "").strip()
    back = _back()
    if not raw.isdecimal() or not 1 <= int(raw) <= MAX_WINDOW_DAYS:
        messages.error(
            request, f"Attribution window: a whole number of days from 1 to {MAX_WINDOW_DAYS}."
        )
        return back
    organization_incident_window_update(
        organization=request.organization, window=timedelta(days=int(raw))
    )
    messages.success(
        request, f"Incidents are attributed to a deployment up to {int(raw)} days before them."
    )
    return back


@require_POST
@organization_admin_required
def pagerduty_service_add(request):
    repository_id = request.POST.get("repository", "")
    repository = Repository.objects.filter(
        organization=request.organization,
        pk=int(repository_id) if repository_id.isdecimal() else 0,
    ).first()
    if repository is None:
        messages.error(request, "PagerDuty service: pick one of the organization's repositories.")
        return _back()
    try:
        mapping = pagerduty_service_map(
            organization=request.organization,
            name=request.POST.get("service", ""),
            repository=repository,
        )
    except IncidentRejected as error:
        messages.error(request, f"PagerDuty service: {error.message}")
        return _back()
    messages.success(request, f"PagerDuty service {mapping.name} maps to {repository.full_name}.")
    return _back()


@require_POST
@organization_admin_required
def pagerduty_service_remove(request, pk: int):
    mapping = get_object_or_404(PagerDutyService, organization=request.organization, pk=pk)
    pagerduty_service_unmap(mapping=mapping)
    messages.success(request, f"PagerDuty service {mapping.name} maps by its name again.")
    return _back()
