"""The metric definitions. Each function's docstring is the definition; the dashboard, the
CSV downloads and GET /api/v1/metrics all call these functions, so they cannot disagree.

How the work is split between the database and Python: the database filters, classifies
and counts deployments (from the attribution stored at write time, see
deployments.attribution) and returns per-period counts, and it computes the lead-time
percentiles (`selectors.pull_requests.lead_time_summaries`); Python zero-fills the periods
and names the numbers.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from metrics.periods import (
    RateWindow,
    in_progress_period,
    per_week_in_window,
    period_start,
    period_starts,
    rate_window,
)
from metrics.query import MetricsQuery
from metrics.selectors.data_quality import organization_first_deployed_on
from metrics.selectors.deployments import (
    DeploymentCounts,
    deployment_counts,
    recovery_times,
)
from metrics.selectors.failures import incident_counts
from metrics.selectors.pull_requests import (
    LEAD_TIME_SPANS,
    lead_time_summaries,
    pull_request_title_failure_counts,
)
from metrics.selectors.status import ORGANIZATION_LINE, Status
from metrics.selectors.teams import team_people_count

STATISTIC_FRACTIONS = {"median": 0.5, "p75": 0.75, "p90": 0.9}
# The order of Summary's percentile fields, as the database is asked for them.
FRACTIONS = tuple(STATISTIC_FRACTIONS.values())
LEAD_TIME_PARTS = ("coding", "review_wait", "editing", "deploy")


@dataclass(frozen=True)
class Summary:
    """An aggregate always travels with its sample count."""

    count: int
    median: float | None
    p75: float | None
    p90: float | None

    def statistic(self, name: str) -> float | None:
        return getattr(self, name)


def summary_of(count: int, percentiles: list[float] | None) -> Summary:
    """A Summary from a count and the database's percentiles (`percentiles_sql`) of
    STATISTIC_FRACTIONS, in that order."""
    return Summary(count, *(percentiles if count else (None, None, None)))


@dataclass
class Frequency:
    periods: list[date]
    deployments: dict[date, int]
    organization: dict[date, int]
    teams: dict[str, dict[date, int]]
    status_totals: dict[str, int]
    people: int | None
    total: int
    per_week: float
    # The days the per-week rate divides by, and the period still in progress (`rate_window`).
    rate_window: "RateWindow | None" = None
    in_progress: date | None = None
    # The organization's first deployment, where the rate window may start.
    first_deployed_on: date | None = None

    def per_person(self, period: date) -> float | None:
        return self.deployments[period] / self.people if self.people else None

    @property
    def per_person_per_week(self) -> float | None:
        return round(self.per_week / self.people, 4) if self.people else None


def _zero_filled(periods: list[date], counts: dict[date, int]) -> dict[date, int]:
    return {period: counts.get(period, 0) for period in periods}


def deployment_frequency(
    *,
    query: MetricsQuery,
    deployments: DeploymentCounts | None = None,
    today: date | None = None,
    of: "Frequency | None" = None,
) -> Frequency:
    """Deployment Frequency: counted deployments per period (UTC day, week starting
    Monday, or month), zero-filled, grouped by `deployed_at`.

    A deployment counts when it is not a test, its environment is counted (the
    organization's `counted_environments`; empty means all) and at least one of its
    matched commits was authored by a tracked contributor. Left out, with the reason:
    test; environment not counted; no known commits (no SHA matched a commit); no
    contributor commits (matched commits are all by untracked or unknown authors).
    A deployment whose contributor commits are all by bots counts in the organization
    line only. Team attribution: a deployment belongs to every team of a tracked human
    contributor who authored one of its matched commits.

    With teams selected, the selection is the deployments attributed to those teams and
    per person = those deployments / the tracked people (not bots) in those teams.
    Deployments per week = the selected deployments in the rate window / (its days / 7):
    counted from the week of the organization's first deployment, not from weeks before
    it, and without the period still in progress (`rate_window`).

    `deployments`: the query's `deployment_counts`, when the caller already has them.
    `today`: the UTC day (now, unless a test says otherwise). `of`: another range's
    Frequency with the same organization and teams, whose first deployment and people
    this one shares instead of reading them again.
    """
    periods = period_starts(query=query)
    if deployments is None:
        deployments = deployment_counts(query=query)
    selected, organization = defaultdict(int), defaultdict(int)
    status_totals: dict[str, int] = defaultdict(int)
    for (day, status, chosen), count in deployments.by_status.items():
        period = period_start(day, query.granularity)
        if chosen:
            status_totals[status] += count
        if status in ORGANIZATION_LINE:
            organization[period] += count
            if chosen:
                selected[period] += count
    # The database grouped the team lines by period already (`day_period`).
    teams: dict[str, dict[date, int]] = defaultdict(dict)
    for (period, slug), count in deployments.by_team.items():
        teams[slug][period] = count
    total = sum(selected.values())
    today = today or timezone.now().date()
    first_deployed_on = (
        of.first_deployed_on
        if of is not None
        else organization_first_deployed_on(organization=query.organization)
    )
    window = rate_window(query=query, first_deployed_on=first_deployed_on, today=today)
    if of is not None:
        people = of.people
    elif query.teams:
        people = team_people_count(organization=query.organization, team_slugs=query.teams)
    else:
        people = None
    in_progress = in_progress_period(query=query, today=today)
    return Frequency(
        periods=periods,
        deployments=_zero_filled(periods, selected),
        organization=_zero_filled(periods, organization),
        teams={slug: _zero_filled(periods, counts) for slug, counts in sorted(teams.items())},
        status_totals={status: status_totals.get(status, 0) for status in Status.values},
        people=people,
        total=total,
        per_week=per_week_in_window(selected, window=window, in_progress=in_progress),
        rate_window=window,
        in_progress=in_progress,
        first_deployed_on=first_deployed_on,
    )


@dataclass
class LeadTimePeriod:
    lead_time: Summary
    deploy_time: Summary
    parts: dict[str, Summary]


@dataclass
class LeadTimes:
    periods: dict[date, LeadTimePeriod]
    lead_time: Summary
    deploy_time: Summary
    parts: dict[str, Summary]
    pull_requests: int
    merge_based: int
    # Of `pull_requests`, those whose title matches the reference's failure rule.
    title_rule_failed: int = 0


# What the tiles alone need of lead time: the total and its last part, Deploy Time.
TILE_SPANS = ("total", "deploy")


def change_lead_time(
    *, query: MetricsQuery, spans: tuple[str, ...] = tuple(LEAD_TIME_SPANS), by_period=True
) -> LeadTimes:
    """Change Lead Time and Deploy Time per period and for the range.

    The PRs counted: merged PRs authored by tracked contributors (bots included: the
    organization line; a team selection keeps its members' PRs), whose lead time ends
    in the range — at the deploy moment, or at the merge for repositories that never
    received a deployment. Each PR falls in the period of that end. Merged PRs of a
    deployed repository that no counted deployment ships yet are "merged, not
    deployed" and not counted.

    Lead time = first commit → that end, in seconds. Deploy moment: the latest counted
    deployment that ships the PR (a PR is not fully released until its last environment).
    Parts: coding = first commit → PR opened; review wait = opened → first review;
    editing = first review → merge; deploy = merge → deploy moment (this is Deploy Time,
    deployed PRs only). A span below zero (commits pushed after the PR opened, clock skew)
    counts as zero; a part whose start or end is unknown (history imported from git has no
    open or review time) is left out of its sample, never invented (`LEAD_TIME_SPANS`,
    `span_seconds_sql`). Aggregates: median / p75 / p90, interpolated as
    `percentiles_sql` says, with the sample count.

    `spans`: the LEAD_TIME_SPANS computed (`total` and `deploy` at least; parts not asked
    for are absent from `parts`); without `by_period`, the range only (`periods` empty).
    """
    rows = lead_time_summaries(query=query, fractions=FRACTIONS, spans=spans, by_period=by_period)
    *period_rows, total_row = rows  # the range row comes last, even with no PRs
    by_period_rows = {
        period_start(row[0], query.granularity): summaries_from_row(row, spans)
        for row in period_rows
    }
    empty = summaries_from_row((None, 0, 0, 0, *[0, None] * len(spans)), spans)
    overall = summaries_from_row(total_row, spans)
    periods = period_starts(query=query) if by_period else []
    return LeadTimes(
        periods={period: by_period_rows.get(period, empty) for period in periods},
        lead_time=overall.lead_time,
        deploy_time=overall.deploy_time,
        parts=overall.parts,
        pull_requests=total_row[1],
        merge_based=total_row[2],
        title_rule_failed=total_row[3],
    )


def summaries_from_row(
    row: tuple, spans: tuple[str, ...] = tuple(LEAD_TIME_SPANS)
) -> LeadTimePeriod:
    """A `selectors.lead_time_summaries` row's columns (after period and the counts), of
    the `spans` it was asked for."""
    summaries = {}
    for index, column in enumerate(spans):
        count, values = row[4 + 2 * index], row[5 + 2 * index]
        summaries[column] = summary_of(count, values)
    return LeadTimePeriod(
        lead_time=summaries.get("total"),
        deploy_time=summaries.get("deploy"),
        parts={part: summaries[part] for part in LEAD_TIME_PARTS if part in summaries},
    )


@dataclass
class FailurePeriod:
    """Change fail rate, recovery time and rework rate of one period's deployments."""

    deployments: int
    failed: int
    rate: float | None
    recovery_time: Summary
    unrecovered: int
    rework: int = 0
    rework_rate: float | None = None


@dataclass
class Failures:
    deployments: int
    failed: int
    rate: float | None
    recovery_time: Summary
    unrecovered: int
    title_rule_pull_requests: int
    title_rule_failed: int
    title_rule_rate: float | None = field(default=None)
    # Deployment rework (`deployment_rework_rate`'s definition, in change_failure_rate).
    rework: int = 0
    rework_rate: float | None = None
    # Incidents started in the range: attributed to a deployment, and not (`incident_counts`).
    incidents_attributed: int = 0
    incidents_unattributed: int = 0
    periods: dict[date, FailurePeriod] = field(default_factory=dict)


def rate_of(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def change_failure_rate(
    *,
    query: MetricsQuery,
    deployments: DeploymentCounts | None = None,
    lead_times: LeadTimes | None = None,
    by_period: bool = True,
) -> Failures:
    """Change fail rate and failed deployment recovery time (dora.dev/guides/dora-metrics/),
    from deployment tags and attributed incidents.

    A counted deployment (organization line) failed when it carries the tag `is_failure`
    or `rollback` (case-insensitive) or an incident is attributed to it (by its SHA or by
    the rule; `selectors.failures.failed_q`). Each failed deployment counts once, however
    many incidents it has, so the rate never exceeds 100 %. Change fail rate = failed /
    counted deployments in the range.

    Recovery time of a failed deployment = its deployed_at → the end of its failure: with
    attributed incidents, the latest `resolved_at` among them (the failure lasts while any
    is open); a tag-only failure, the next deployment of the same repository and
    environment that is counted-eligible (not a test, counted environment) and not failed.
    Median / p75 / p90 with the count. A failure not yet ended (an open incident, or no
    good deployment since) is counted apart as `unrecovered`, not as a time.

    Per period (`periods`, every period of the range): the same rate of the deployments
    deployed in it (None without deployments), and the recovery times of the failures
    deployed in it.

    Deployment rework rate (dora.dev/guides/dora-metrics/, new in the 2024 report) =
    rework / counted deployments in the range: a counted deployment is rework when it is
    tagged `hotfix` or `rollback`, or was deployed while an incident attributed to a
    deployment of the same repository was open (`selectors.failures.rework_q`). DORA
    publishes no performance levels for it.

    Incidents: those started in the range (`selectors.failures.incident_counts`),
    attributed to a deployment or not.

    Shown beside it, the reference's rule: the share of counted PRs whose title contains
    rollback, hotfix, revert or [cfr] (case-insensitive).

    `deployments`, `lead_times`: the query's `deployment_counts` and `change_lead_time`,
    when the caller already has them (lead times read the same counted PRs' titles).
    Without `by_period`, the range only (`periods` empty).
    """
    if deployments is None:
        deployments = deployment_counts(query=query)
    counted, failed = defaultdict(int), defaultdict(int)
    rework = defaultdict(int)
    for (day, status, chosen), count in deployments.by_status.items():
        if status in ORGANIZATION_LINE and chosen:
            counted[period_start(day, query.granularity)] += count
    for (day, status, chosen), (failures, reworks) in deployments.by_stability.items():
        if status in ORGANIZATION_LINE and chosen:
            failed[period_start(day, query.granularity)] += failures
            rework[period_start(day, query.granularity)] += reworks
    *period_rows, total_row = recovery_times(query=query, fractions=FRACTIONS, by_period=by_period)
    recoveries = {period_start(row[0], query.granularity): row for row in period_rows}
    incidents = incident_counts(query=query)
    if lead_times is None:
        titles = pull_request_title_failure_counts(query=query)
    else:  # the same counted PRs, already read for lead time
        titles = {"total": lead_times.pull_requests, "failed": lead_times.title_rule_failed}
    return Failures(
        deployments=sum(counted.values()),
        failed=sum(failed.values()),
        rate=rate_of(sum(failed.values()), sum(counted.values())),
        recovery_time=summary_of(total_row[1], total_row[2]),
        unrecovered=total_row[3],
        title_rule_pull_requests=titles["total"],
        title_rule_failed=titles["failed"],
        title_rule_rate=rate_of(titles["failed"], titles["total"]),
        rework=sum(rework.values()),
        rework_rate=rate_of(sum(rework.values()), sum(counted.values())),
        incidents_attributed=incidents["attributed"],
        incidents_unattributed=incidents["unattributed"],
        periods={
            period: _failure_period(
                counted[period], failed[period], rework[period], recoveries.get(period)
            )
            for period in (period_starts(query=query) if by_period else [])
        },
    )


def _failure_period(
    counted: int, failed: int, rework: int, recovery_row: tuple | None
) -> FailurePeriod:
    """A period's numbers; `recovery_row` is its `recovery_times` row (None: no failures)."""
    _period, recovered, percentiles, unrecovered = recovery_row or (None, 0, None, 0)
    return FailurePeriod(
        deployments=counted,
        failed=failed,
        rate=rate_of(failed, counted),
        recovery_time=summary_of(recovered, percentiles),
        unrecovered=unrecovered,
        rework=rework,
        rework_rate=rate_of(rework, counted),
    )
