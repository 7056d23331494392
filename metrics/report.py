"""One report per request, shared by the dashboard and GET /api/v1/metrics (never cached:
a deployment POSTed a moment ago is in the next one)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from metrics import parallel
from metrics.bands import performance_band
from metrics.calculations import (
    Failures,
    Frequency,
    LeadTimes,
    Summary,
    change_failure_rate,
    change_lead_time,
    deployment_frequency,
)
from metrics.query import MetricsQuery
from metrics.selectors.data_quality import (
    pull_requests_merged_not_deployed,
    unmatched_shas_by_repository,
)
from metrics.selectors.deployments import DeploymentCounts, deployment_counts
from metrics.selectors.failures import with_incident_deployments
from metrics.selectors.pull_requests import LEAD_TIME_SPANS, with_undeployed_repositories
from metrics.selectors.status import Status

MERGED_NOT_DEPLOYED_SHOWN = 10
# The API's names for the reasons a deployment is left out (bots only: team lines only).
EXCLUDED_KEYS = {
    Status.TEST: "test",
    Status.ENVIRONMENT_NOT_COUNTED: "environmentNotCounted",
    Status.NO_KNOWN_COMMITS: "noKnownCommits",
    Status.NO_CONTRIBUTOR_COMMITS: "noContributorCommits",
    Status.BOTS_ONLY: "botsOnly",
}


@dataclass
class DataQuality:
    received: int
    counted: int
    by_status: dict[str, int]
    unmatched_shas: list[dict]
    merged_not_deployed: int
    merged_not_deployed_sample: list


@dataclass
class MetricsReport:
    query: MetricsQuery
    frequency: Frequency
    lead_times: LeadTimes
    failures: Failures
    bands: dict[str, str | None]

    @property
    def periods(self) -> list[date]:
        return self.frequency.periods


@dataclass
class StartedReport:
    """A report whose lead times are still being computed on a second connection
    (`parallel.started`): the caller does what does not need them, then `finished()`."""

    query: MetricsQuery
    deployments: DeploymentCounts
    frequency: Frequency
    lead_times_of: Callable[[], LeadTimes]
    by_period: bool = field(default=True)

    def finished(self) -> MetricsReport:
        query, frequency = self.query, self.frequency
        lead_times = self.lead_times_of()
        failures = change_failure_rate(
            query=query,
            deployments=self.deployments,
            lead_times=lead_times,
            by_period=self.by_period,
        )
        bands = {
            "deployment_frequency": performance_band("deployment_frequency", frequency.per_week),
            "change_lead_time": performance_band("change_lead_time", lead_times.lead_time.median),
            "deploy_time": performance_band("deploy_time", lead_times.deploy_time.median),
            "change_failure_rate": performance_band("change_failure_rate", failures.rate),
            "recovery_time": performance_band("recovery_time", failures.recovery_time.median),
            "deployment_rework_rate": performance_band(
                "deployment_rework_rate", failures.rework_rate
            ),
        }
        return MetricsReport(query, frequency, lead_times, failures, bands)


def report_started(
    *,
    query: MetricsQuery,
    slugs: dict[int, str] | None = None,
    spans: tuple[str, ...] = tuple(LEAD_TIME_SPANS),
    by_period: bool = True,
    of: Frequency | None = None,
    lead_times_of: Callable[[], LeadTimes] | None = None,
) -> StartedReport:
    """Starts the lead times, a page's longest query, beside the deployment counts.

    `slugs`: the organization's `team_slugs`, when the caller read them. `spans`: the
    lead-time spans computed (see `change_lead_time`). Without `by_period`, the range's
    totals only: no series of periods, no team lines. `of`: another range's Frequency
    whose first deployment and people this one shares (`deployment_frequency`).
    `lead_times_of`: its lead times, when the caller started them (`spans` and
    `by_period` as given here)."""
    # Read once here, not by both threads: every PR query filters on it; and the
    # deployments with incidents, which every failure count reads.
    query = with_incident_deployments(with_undeployed_repositories(query))
    if lead_times_of is None:
        lead_times_of = parallel.started(
            change_lead_time, query=query, spans=spans, by_period=by_period
        )
    deployments = deployment_counts(query=query, slugs=slugs, team_lines=by_period)
    frequency = deployment_frequency(query=query, deployments=deployments, of=of)
    return StartedReport(query, deployments, frequency, lead_times_of, by_period)


def lead_times_pair(
    *, query: MetricsQuery, before: MetricsQuery, spans: tuple[str, ...]
) -> tuple[LeadTimes, LeadTimes]:
    """`query`'s lead times and, of `spans`, the range totals of `before`'s, one after the
    other: one job for the second connection, which takes one at a time."""
    return (
        change_lead_time(query=query),
        change_lead_time(query=before, spans=spans, by_period=False),
    )


def metrics_report(*, query: MetricsQuery, slugs: dict[int, str] | None = None) -> MetricsReport:
    return report_started(query=query, slugs=slugs).finished()


def data_quality(*, query: MetricsQuery, frequency: Frequency) -> DataQuality:
    """Deployments received in the range and why any were left out; SHAs never matched,
    per repository; PRs merged in the range but not deployed."""
    merged_not_deployed = pull_requests_merged_not_deployed(query=query)
    by_status = frequency.status_totals
    return DataQuality(
        received=sum(by_status.values()),
        counted=by_status[Status.COUNTED] + by_status[Status.BOTS_ONLY],
        by_status=by_status,
        unmatched_shas=unmatched_shas_by_repository(query=query),
        merged_not_deployed=merged_not_deployed.count(),
        merged_not_deployed_sample=list(
            merged_not_deployed.select_related("repository", "author").order_by("merged_at")[
                :MERGED_NOT_DEPLOYED_SHOWN
            ]
        ),
    )


def summary_payload(summary: Summary) -> dict:
    return {
        "count": summary.count,
        "median": summary.median,
        "p75": summary.p75,
        "p90": summary.p90,
    }


def totals_payload(report: MetricsReport) -> dict:
    """The range's totals as GET /api/v1/metrics writes them (a report `by_period` or not;
    its lead-time parts are those its spans asked for)."""
    frequency, lead_times, failures = report.frequency, report.lead_times, report.failures
    return {
        "deployments": frequency.total,
        "deploymentsPerWeek": frequency.per_week,
        "changeLeadTime": summary_payload(lead_times.lead_time),
        "deployTime": summary_payload(lead_times.deploy_time),
        "leadTimeParts": {
            _camel(part): summary_payload(summary) for part, summary in lead_times.parts.items()
        },
        "mergeBasedPullRequests": lead_times.merge_based,
        "changeFailureRate": failures.rate,
        "failedDeployments": failures.failed,
        "recoveryTime": summary_payload(failures.recovery_time),
        "unrecoveredFailures": failures.unrecovered,
        "deploymentReworkRate": failures.rework_rate,
        "reworkDeployments": failures.rework,
        "incidents": {
            "attributed": failures.incidents_attributed,
            "unattributed": failures.incidents_unattributed,
        },
        "pullRequestTitleFailureRate": failures.title_rule_rate,
        "bands": {_camel(metric): band for metric, band in report.bands.items()},
    }


def report_payload(report: MetricsReport) -> dict:
    """The GET /api/v1/metrics body: camelCase, durations in seconds (floats)."""
    query, frequency, lead_times, failures = (
        report.query,
        report.frequency,
        report.lead_times,
        report.failures,
    )
    return {
        "from": query.start.isoformat(),
        "to": query.end.isoformat(),
        "granularity": query.granularity,
        "totals": totals_payload(report),
        "series": [
            {
                "periodStart": period.isoformat(),
                "deployments": frequency.deployments[period],
                "deploymentsPerPerson": frequency.per_person(period),
                "changeLeadTime": summary_payload(lead_times.periods[period].lead_time),
                "deployTime": summary_payload(lead_times.periods[period].deploy_time),
                "changeFailureRate": failures.periods[period].rate,
                "failedDeployments": failures.periods[period].failed,
                "recoveryTime": summary_payload(failures.periods[period].recovery_time),
                "unrecoveredFailures": failures.periods[period].unrecovered,
                "deploymentReworkRate": failures.periods[period].rework_rate,
                "reworkDeployments": failures.periods[period].rework,
            }
            for period in report.periods
        ],
        "excluded": {
            key: frequency.status_totals[status] for status, key in EXCLUDED_KEYS.items()
        },
    }


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(word.title() for word in rest)
