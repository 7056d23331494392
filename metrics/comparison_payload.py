"""The API's comparisons beside the report (issue 18): the previous period's totals and the
team comparison, as the dashboard shows them."""

from metrics.previous_period import reports_started
from metrics.query import MetricsQuery
from metrics.report import (
    MetricsReport,
    report_payload,
    summary_payload,
    totals_payload,
)
from metrics.selectors.pull_requests import LEAD_TIME_SPANS
from metrics.selectors.teams import organization_teams
from metrics.team_comparison import TeamRow, team_comparison


def comparison_payload(*, previous: MetricsReport, teams: list[TeamRow]) -> dict:
    """`previous`: the same-length range before, with its totals as `totals` writes them;
    `teams`: each team's keys for the range, with their DORA bands."""
    return {
        "previous": {
            "from": previous.query.start.isoformat(),
            "to": previous.query.end.isoformat(),
            "totals": totals_payload(previous),
        },
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


def metrics_payload(*, query: MetricsQuery) -> dict:
    """GET /api/v1/metrics: the report, its previous period and the team comparison.

    The previous period's totals carry the same keys as the range's own, lead-time parts
    included (its spans: all of them), but no series. The team comparison is read while
    the report's and the previous period's lead times are computed."""
    slugs, team_names = organization_teams(organization=query.organization)
    started, previous_of = reports_started(query, slugs=slugs, spans=tuple(LEAD_TIME_SPANS))
    # The team comparison reads no lead time of the reports: it goes beside them.
    teams = team_comparison(
        query=started.query,
        frequency=started.frequency,
        deployments=started.deployments,
        team_names=team_names,
        slugs=slugs,
    )
    report = started.finished()
    return report_payload(report) | comparison_payload(
        previous=previous_of.finished(), teams=teams
    )
