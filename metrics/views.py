import csv
import io
import itertools

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from metrics import tables
from metrics.filters import MetricsFilterSet
from metrics.pages import connect_example, dashboard_context
from organizations.decorators import organization_required


def _csv_chunks(rows, *, size: int = tables.CSV_CHUNK_ROWS):
    """CSV text in chunks of `size` rows: one tiny chunk per row cost more than the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for batch in iter(lambda: list(itertools.islice(rows, size)), []):
        writer.writerows(batch)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


@require_GET
@organization_required
def dashboard(request):
    filterset = MetricsFilterSet(request.GET, organization=request.organization)
    context = {"filterset": filterset, "connect_example": connect_example(request)}
    if not filterset.is_valid():
        return render(request, "metrics/dashboard.html", context, status=400)
    context |= dashboard_context(query=filterset.query, params=request.GET)
    return render(request, "metrics/dashboard.html", context)


def _csv_download(request, rows_for, filename: str):
    filterset = MetricsFilterSet(request.GET, organization=request.organization)
    if not filterset.is_valid():
        return render(request, "metrics/dashboard.html", {"filterset": filterset}, status=400)
    rows = rows_for(query=filterset.query, sort=request.GET.get("sort"))
    response = StreamingHttpResponse(_csv_chunks(rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@organization_required
def deployments_csv(request):
    return _csv_download(request, tables.deployment_csv_rows, "deployments.csv")


@require_GET
@organization_required
def pull_requests_csv(request):
    return _csv_download(request, tables.pull_request_csv_rows, "pull-requests.csv")
