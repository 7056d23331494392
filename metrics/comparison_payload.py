"""The API's comparisons beside the report (issue 18): the previous period's totals and the
team comparison, as the dashboard shows them."""

from metrics.previous_period import previous_report
from metrics.report import MetricsReport, report_payload, summary_payload
from metrics.team_comparison import TeamRow, team_comparison


def comparison_payload(*, previous: MetricsReport, teams: list[TeamRow]) -> dict:
    """`previous`: the same-length range before, with its totals as `totals` writes them;
    `teams`: each team's keys for the range, with their DORA bands."""
    before = report_payload(previous)
    return {
        "previous": {"from": before["from"], "to": before["to"], "totals": before["totals"]},
        "teams": [_team_payload(row) for row in teams],
    }


def _team_payload(row: TeamRow) -> dict:
    return {
        "slug": row.slug,
        "name": row.name,
        "deployments": row.deployments,
        "deploymentsPerWeek": row.per_week,
        "changeLeadTime": summary_payload(row.lead_time),
        "changeFailureRate": row.failure_rate,
        "failedDeployments": row.failed,
        "recoveryTime": summary_payload(row.recovery_time),
        "unrecoveredFailures": row.unrecovered,
        "bands": {
            "deploymentFrequency": row.bands["deployment_frequency"],
            "changeLeadTime": row.bands["change_lead_time"],
            "changeFailureRate": row.bands["change_failure_rate"],
            "recoveryTime": row.bands["recovery_time"],
        },
    }


def metrics_payload(*, report: MetricsReport) -> dict:
    """GET /api/v1/metrics: the report, its previous period and the team comparison."""
    query = report.query
    team_names = dict(query.organization.teams.values_list("slug", "name"))
    teams = team_comparison(query=query, frequency=report.frequency, team_names=team_names)
    return report_payload(report) | comparison_payload(
        previous=previous_report(query), teams=teams
    )
