from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from metrics import tables
from metrics.filters import MetricsFilterSet, filter_chips
from metrics.pages import connect_example, dashboard_context
from organizations.decorators import organization_required


@require_GET
@organization_required
def dashboard(request):
    filterset = MetricsFilterSet(request.GET, organization=request.organization)
    context = {"filterset": filterset, "connect_example": connect_example(request)}
    context["chips"] = filter_chips(filterset, request.GET)
    if not filterset.is_valid():
        return render(request, "metrics/dashboard.html", context, status=400)
    context |= dashboard_context(query=filterset.query, params=request.GET)
    return render(request, "metrics/dashboard.html", context)


def _csv_download(request, csv_for, filename: str):
    filterset = MetricsFilterSet(request.GET, organization=request.organization)
    if not filterset.is_valid():
        return render(request, "metrics/dashboard.html", {"filterset": filterset}, status=400)
    chunks = csv_for(query=filterset.query, sort=request.GET.get("sort"))
    response = StreamingHttpResponse(chunks, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@organization_required
def deployments_csv(request):
    return _csv_download(request, tables.deployment_csv, "deployments.csv")


@require_GET
@organization_required
def pull_requests_csv(request):
    return _csv_download(request, tables.pull_request_csv, "pull-requests.csv")
