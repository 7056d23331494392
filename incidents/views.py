"""An incident's page: what it is, why it is attributed as it is, and (for admins) the
correction: attribute it to one of the deployments before it, detach it, or hand it back to
the rule. The page keeps the dashboard's filters for its way back."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from deployments.models import Deployment
from incidents.attribution import (
    attribution_reason,
    incident_attribution_reset,
    incident_detach,
    incident_reattribute,
)
from incidents.selectors import incident_deployment_candidates, incident_for_organization
from organizations.decorators import organization_admin_required, organization_required


def _incident(request, pk: int):
    incident = incident_for_organization(organization=request.organization, pk=pk)
    if incident is None:
        raise Http404("No such incident.")
    return incident


def _back_to_page(request, incident):
    query = request.GET.urlencode()
    return redirect(
        reverse("incident_detail", args=[incident.pk]) + (f"?{query}" if query else "")
    )


@organization_required
def incident_detail(request, pk: int):
    incident = _incident(request, pk)
    can_edit = request.membership.is_admin
    context = {
        "incident": incident,
        "reason": attribution_reason(
            incident, window=request.organization.incident_attribution_window
        ),
        "candidates": incident_deployment_candidates(incident=incident) if can_edit else [],
        "can_edit": can_edit,
    }
    return render(request, "incidents/incident_detail.html", context)


@require_POST
@organization_admin_required
def incident_attribute(request, pk: int):
    incident = _incident(request, pk)
    raw = request.POST.get("deployment", "")
    deployment = Deployment.objects.filter(
        organization=request.organization, pk=int(raw) if raw.isdecimal() else 0
    ).first()
    if deployment is None:
        messages.error(request, "deployment: pick one of the organization's deployments.")
        return _back_to_page(request, incident)
    incident_reattribute(incident=incident, deployment=deployment)
    messages.success(request, "Attributed to that deployment; the rule no longer moves it.")
    return _back_to_page(request, incident)


@require_POST
@organization_admin_required
def incident_detach_view(request, pk: int):
    incident = incident_detach(incident=_incident(request, pk))
    messages.success(request, "Detached: no deployment caused this incident.")
    return _back_to_page(request, incident)


@require_POST
@organization_admin_required
def incident_rule_view(request, pk: int):
    incident = incident_attribution_reset(incident=_incident(request, pk))
    messages.success(request, "The rule attributes this incident again.")
    return _back_to_page(request, incident)
