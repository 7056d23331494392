from datetime import timedelta

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse

from incidents.selectors import pagerduty_services, pagerduty_webhook_for_organization
from metrics.selectors.choices import environment_choices
from organizations.decorators import organization_required
from organizations.selectors import contributors_for_settings, teams_with_members
from organizations.tasks import counting_requests_pending
from repositories.selectors import (
    github_api_token_for,
    github_sync_states,
    github_webhook_for_organization,
    gitlab_api_token_for,
    gitlab_sync_states,
    gitlab_webhook_for_organization,
)
from tokens.selectors import deployments_api_token

DAY = timedelta(days=1)


@organization_required
def integrations(request):
    """The Integrations page composes each app's card, so it lives with the project glue."""
    context = {
        "api_token": deployments_api_token(request.organization),
        "github_webhook": github_webhook_for_organization(organization=request.organization),
        "github_syncs": github_sync_states(organization=request.organization),
        "github_api_token": github_api_token_for(organization=request.organization),
        "github_sync_minutes": settings.SHIPLOG_GITHUB_SYNC_MINUTES,
        "gitlab_webhook": gitlab_webhook_for_organization(organization=request.organization),
        "gitlab_syncs": gitlab_sync_states(organization=request.organization),
        "gitlab_api_token": gitlab_api_token_for(organization=request.organization),
        "pagerduty_webhook": pagerduty_webhook_for_organization(organization=request.organization),
        "incidents_api_url": request.build_absolute_uri(reverse("api-incidents")),
    }
    return render(request, "integrations/index.html", context)


@organization_required
def organization_settings(request):
    """The organization's settings; here because it lists the environments deployments saw
    (organizations may not import deployments). Admins change them, members read them."""
    organization = request.organization
    counted = list(organization.counted_environments or [])
    context = {
        "environments": [
            {"name": name, "counted": name in counted, "seen": seen}
            for name, seen in environment_choices(organization=organization).items()
        ],
        "counted_environments": counted,
        "counting_pending": counting_requests_pending(organization=organization),
        "teams": teams_with_members(organization),
        "contributors": contributors_for_settings(organization),
        "can_edit": request.membership.is_admin,
        "incident_window_days": round(organization.incident_attribution_window / DAY),
        "pagerduty_services": pagerduty_services(organization=organization),
        "repositories": organization.repositories.order_by("full_name").values("pk", "full_name"),
    }
    return render(request, "organizations/settings.html", context)
