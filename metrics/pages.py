"""What the dashboard page shows, assembled from the report, the tables and the charts."""

from django.http import HttpRequest, QueryDict

from metrics import charts, tables
from metrics.previous_period import reports_started, tile_changes
from metrics.query import MetricsQuery
from metrics.report import data_quality
from metrics.selectors.data_quality import organization_has_data
from metrics.selectors.failures import incident_rows, with_incident_deployments
from metrics.selectors.pull_requests import with_undeployed_repositories
from metrics.selectors.teams import organization_teams
from metrics.team_comparison import team_comparison

CURL_EXAMPLE = """curl --fail-with-body -X POST {base}/api/v1/deployments \\
  -H "Authorization: Bearer $SHIPLOG_API_TOKEN" \\
  -H "Content-Type: application/json" \\
  -d '{{"commitSha": "'"$GITHUB_SHA"'", "environmentName": "production"}}'"""


def connect_example(request: HttpRequest) -> str:
    return CURL_EXAMPLE.format(base=request.build_absolute_uri("/").rstrip("/"))


def dashboard_context(*, query: MetricsQuery, params: QueryDict) -> dict:
    """Everything the dashboard places; an organization without data gets the empty state."""
    has_data = organization_has_data(organization=query.organization)
    if not any(has_data.values()):
        return {"empty": True, "has_data": has_data}
    # Read once for the report, the data-quality panel and the tables alike.
    query = with_incident_deployments(with_undeployed_repositories(query))
    # The teams, read once for the team lines, the chart's names and the team comparison.
    slugs, team_names = organization_teams(organization=query.organization)
    # What does not need the lead times is read while they are computed (`report_started`),
    # with those of the tiles' values over the same-length range before: each tile's change
    # (issue 18 #6).
    started, previous_of = reports_started(query, slugs=slugs)
    # The team comparison reads no lead time of the report: its queries go first.
    comparison = team_comparison(
        query=query,
        frequency=started.frequency,
        deployments=started.deployments,
        team_names=team_names,
        slugs=slugs,
    )
    quality = data_quality(query=query, frequency=started.frequency)
    # Without a clicked period the tables hold what the report counted: no count queries.
    whole_range = query.period is None
    deployments = tables.deployments_page(
        query=query,
        sort=params.get("dsort"),
        page=params.get("dpage"),
        count=quality.received if whole_range else None,
    )
    report = started.finished()
    pull_requests = tables.pull_requests_page(
        query=query,
        sort=params.get("psort"),
        page=params.get("ppage"),
        count=report.lead_times.pull_requests if whole_range else None,
    )
    previous = previous_of.finished()
    return {
        "empty": False,
        "has_data": has_data,
        "query": query,
        "report": report,
        "quality": quality,
        "charts": {
            "frequency": charts.deployment_frequency_figure(report, team_names),
            "lead_time": charts.lead_time_figure(report),
            "deploy_time": charts.deploy_time_figure(report),
            "change_failure_rate": charts.change_failure_rate_figure(report),
            "recovery_time": charts.recovery_time_figure(report),
        },
        "changes": tile_changes(report, previous),
        "previous": previous,
        "team_comparison": comparison,
        # Like the tables below, the incidents of a clicked period only.
        "incidents": incident_rows(query=tables.query_for_drilldown(query)),
        "drilldown": tables.query_for_drilldown(query),
        "deployments": deployments,
        "pull_requests": pull_requests,
        "dsort": tables.sort_order(params.get("dsort"), tables.DEPLOYMENT_SORTS, "-deployed")[0],
        "psort": tables.sort_order(params.get("psort"), tables.PULL_REQUEST_SORTS, "-deployed")[0],
    }
