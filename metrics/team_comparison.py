"""The team comparison: each team's DORA keys for the range, side by side, with their bands.

Each number is the team's share of the metric the tiles show, from the same SQL grouped by
team (a constant number of queries, whatever the number of teams): deployments from the
team lines (`team_rows`), lead time from the counted PRs of the team's people, recovery
from the failures attributed to the team.
"""

from dataclasses import dataclass
from functools import cached_property

from metrics.bands import performance_band
from metrics.calculations import (
    FRACTIONS,
    Frequency,
    Summary,
    rate_of,
    summaries_from_row,
    summary_of,
)
from metrics.periods import per_week_in_window
from metrics.query import MetricsQuery
from metrics.selectors.deployments import (
    DeploymentCounts,
    recovery_times_by_team,
    team_slugs,
)
from metrics.selectors.pull_requests import lead_time_summaries_by_team


@dataclass(frozen=True)
class TeamRow:
    slug: str
    name: str
    deployments: int
    failed: int
    per_week: float
    lead_time: Summary
    failure_rate: float | None
    recovery_time: Summary
    unrecovered: int

    @cached_property
    def bands(self) -> dict[str, str | None]:
        """The DORA bands of the team's numbers, on the medians as the tiles' are (the
        template reads each twice)."""
        return {
            "deployment_frequency": performance_band("deployment_frequency", self.per_week),
            "change_lead_time": performance_band("change_lead_time", self.lead_time.median),
            "change_failure_rate": performance_band("change_failure_rate", self.failure_rate),
            "recovery_time": performance_band("recovery_time", self.recovery_time.median),
        }


EMPTY_SUMMARY = Summary(0, None, None, None)
LEAD_TIME_TOTAL = ("total",)


def team_comparison(
    *,
    query: MetricsQuery,
    frequency: Frequency,
    deployments: DeploymentCounts,
    team_names: dict[str, str],
    slugs: dict[int, str] | None = None,
) -> list[TeamRow]:
    """One row per team (the selected ones, when teams are selected), by name.

    Deployments: the team's line on the frequency chart (`frequency.teams`, its counted
    deployments); per week by the tiles' rule (`per_week_in_window`). Change failure rate:
    of the team's counted deployments in the range, the failed ones (`failed_q`), counted
    with the team lines (`deployments.team_failures`). Lead time: the counted PRs authored
    by the team's people (bots' PRs count for no team). Recovery: the failed counted
    deployments attributed to the team.
    `deployments`: the report's DeploymentCounts (with team lines); `team_names`: slug ->
    name of the organization's teams; `slugs`: their `team_slugs`.
    Of lead time only the total is computed (one sort, its three percentiles together).
    """
    if slugs is None:
        slugs = team_slugs(organization=query.organization)
    failures = deployments.team_failures
    lead_times = {
        slugs[row[0]]: summaries_from_row(row, LEAD_TIME_TOTAL).lead_time
        for row in lead_time_summaries_by_team(
            query=query, fractions=FRACTIONS, spans=LEAD_TIME_TOTAL
        )
        if row[0] in slugs
    }
    recoveries = {
        slugs[team_id]: (summary_of(recovered, percentiles), unrecovered)
        for team_id, recovered, percentiles, unrecovered in recovery_times_by_team(
            query=query, fractions=FRACTIONS
        )
        if team_id in slugs
    }
    rows = []
    for slug, name in team_names.items():
        if query.teams and slug not in query.teams:
            continue
        counts = frequency.teams.get(slug, {})
        deployments, failed = failures.get(slug, (0, 0))
        recovery_time, unrecovered = recoveries.get(slug, (EMPTY_SUMMARY, 0))
        rows.append(
            TeamRow(
                slug=slug,
                name=name,
                deployments=sum(counts.values()),
                failed=failed,
                per_week=per_week_in_window(
                    counts, window=frequency.rate_window, in_progress=frequency.in_progress
                ),
                lead_time=lead_times.get(slug, EMPTY_SUMMARY),
                failure_rate=rate_of(failed, deployments),
                recovery_time=recovery_time,
                unrecovered=unrecovered,
            )
        )
    return sorted(rows, key=lambda row: row.name.casefold())
