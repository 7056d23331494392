"""The change against the previous period on every tile: the same-length range right before
the selected one, with the same filters, computed by the same report (`metrics_report`)."""

from dataclasses import dataclass, replace
from datetime import timedelta

from metrics import parallel
from metrics.bands import DORA_2024_BANDS
from metrics.calculations import TILE_SPANS, Frequency
from metrics.query import MetricsQuery
from metrics.report import MetricsReport, StartedReport, lead_times_pair, report_started
from metrics.selectors.failures import with_incident_deployments
from metrics.selectors.pull_requests import with_undeployed_repositories
from metrics.templatetags.metrics_format import duration, percent

# How each tile's value is written: a rate, a duration in seconds, or a fraction.
TILE_KINDS = {
    "deployment_frequency": "rate",
    "change_lead_time": "duration",
    "deploy_time": "duration",
    "change_failure_rate": "fraction",
    "recovery_time": "duration",
    "deployment_rework_rate": "fraction",
}


def previous_query(query: MetricsQuery) -> MetricsQuery:
    """The range of `query`'s length that ends the day before it starts, with its filters
    (a clicked drilldown period is not one of them)."""
    return replace(
        query,
        start=query.start - timedelta(days=query.days),
        end=query.start - timedelta(days=1),
        period=None,
    )


def previous_started(
    query: MetricsQuery, *, of: Frequency | None = None, spans: tuple[str, ...] = TILE_SPANS
) -> StartedReport:
    """The previous range's report, its lead times started on the second connection: the
    range's totals only (no series, no team lines), by the same selectors; of lead time,
    the `spans` asked for (the tiles': total and deploy). `of`: the selected range's
    Frequency, whose first deployment and people the previous range shares."""
    return report_started(query=previous_query(query), spans=spans, by_period=False, of=of)


def reports_started(
    query: MetricsQuery, *, slugs: dict[int, str] | None = None, spans=TILE_SPANS
) -> tuple[StartedReport, StartedReport]:
    """The report of `query` and its previous range's (`previous_started`, of `spans`),
    both lead times computed one after the other on the second connection (it takes one
    query at a time), beside everything else the caller reads before `finished()`."""
    query = with_incident_deployments(with_undeployed_repositories(query))
    before = previous_query(query)
    both_of = parallel.started(lead_times_pair, query=query, before=before, spans=spans)
    current = report_started(query=query, slugs=slugs, lead_times_of=lambda: both_of()[0])
    previous = report_started(
        query=before,
        spans=spans,
        by_period=False,
        of=current.frequency,
        lead_times_of=lambda: both_of()[1],
    )
    return current, previous


def previous_report(
    query: MetricsQuery, *, of: Frequency | None = None, spans: tuple[str, ...] = TILE_SPANS
) -> MetricsReport:
    return previous_started(query, of=of, spans=spans).finished()


def higher_is_better(metric: str) -> bool:
    """Read from the DORA bands: only a metric banded from above ('>=') is better higher."""
    return DORA_2024_BANDS[metric][0] == ">="


@dataclass(frozen=True)
class Change:
    """A tile's value against the previous period's."""

    metric: str
    current: float | None
    previous: float | None

    @property
    def delta(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return round(self.current - self.previous, 4)

    @property
    def direction(self) -> str | None:
        """ "up", "down" or "same"; None when either period has no value."""
        if self.delta is None:
            return None
        return "up" if self.delta > 0 else "down" if self.delta < 0 else "same"

    @property
    def tone(self) -> str:
        """ "better", "worse" or "neutral": whether up is good depends on the metric."""
        if self.direction in (None, "same"):
            return "neutral"
        return "better" if (self.direction == "up") == higher_is_better(self.metric) else "worse"

    @property
    def arrow(self) -> str:
        return {"up": "▲", "down": "▼", "same": "="}.get(self.direction, "")

    @property
    def delta_text(self) -> str:
        """The change as the tile writes it: +0.50, −2h 10m, +5.0 pp."""
        if self.delta is None:
            return ""
        if self.delta == 0:
            return "no change"
        sign = "+" if self.delta > 0 else "−" if self.delta < 0 else "±"
        size = abs(self.delta)
        kind = TILE_KINDS[self.metric]
        if kind == "duration":
            return f"{sign}{duration(size)}"
        if kind == "fraction":
            return f"{sign}{size * 100:.1f} pp"
        return f"{sign}{size:.2f}"

    @property
    def previous_text(self) -> str:
        return written(self.metric, self.previous)

    @property
    def description(self) -> str:
        """The arrow's text alternative."""
        if self.previous is None:
            return "No data in the previous period"
        if self.direction is None:
            return f"No data in this period; previous period {self.previous_text}"
        if self.direction == "same":
            return f"Unchanged from {self.previous_text}"
        verb = {"up": "Up", "down": "Down"}[self.direction]
        judgement = {"better": ", better", "worse": ", worse", "neutral": ""}[self.tone]
        return f"{verb} {self.delta_text.lstrip('+−±')} from {self.previous_text}{judgement}"


def written(metric: str, value: float | None) -> str:
    """A tile's value as the tile writes it."""
    kind = TILE_KINDS[metric]
    if kind == "duration":
        return duration(value)
    if kind == "fraction":
        return percent(value)
    return "—" if value is None else f"{value:.2f}"


def tile_values(report: MetricsReport) -> dict[str, float | None]:
    """What each tile shows: the rate, the query's statistic of each duration, the CFR and
    the rework rate."""
    statistic = report.query.statistic
    return {
        "deployment_frequency": report.frequency.per_week,
        "change_lead_time": report.lead_times.lead_time.statistic(statistic),
        "deploy_time": report.lead_times.deploy_time.statistic(statistic),
        "change_failure_rate": report.failures.rate,
        "recovery_time": report.failures.recovery_time.statistic(statistic),
        "deployment_rework_rate": report.failures.rework_rate,
    }


def tile_changes(report: MetricsReport, previous: MetricsReport) -> dict[str, Change]:
    """Each tile's change against the previous period."""
    before = tile_values(previous)
    return {
        metric: Change(metric, value, before[metric])
        for metric, value in tile_values(report).items()
    }
