from django.shortcuts import render

from organizations.decorators import organization_required
from repositories.selectors import github_webhook_for_organization
from tokens.selectors import deployments_api_token


@organization_required
def integrations(request):
    """The Integrations page composes each app's card, so it lives with the project glue."""
    context = {
        "api_token": deployments_api_token(request.organization),
        "github_webhook": github_webhook_for_organization(organization=request.organization),
    }
    return render(request, "integrations/index.html", context)
