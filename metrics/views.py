from django.shortcuts import render

from organizations.decorators import organization_required


@organization_required
def dashboard(request):
    organization = request.organization
    context = {
        "repository_count": organization.repositories.count(),
        "contributor_count": organization.contributors.count(),
        "pull_request_count": organization.pull_requests.filter(merged_at__isnull=False).count(),
        "deployment_count": organization.deployments.filter(is_test=False).count(),
    }
    return render(request, "metrics/dashboard.html", context)
