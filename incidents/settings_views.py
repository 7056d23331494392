"""The Settings page's incident attribution window (organizations may not import incidents,
whose service re-attributes every incident when the window changes)."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from incidents.attribution import organization_incident_window_update
from organizations.decorators import organization_admin_required

MAX_WINDOW_DAYS = 90


@require_POST
@organization_admin_required
def incident_window_save(request):
    raw = request.POST.get("window_days", "").strip()
    back = redirect(f"{reverse('organization_settings')}#incidents")
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
