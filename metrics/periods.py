"""Periods and the per-week rate's window: the UTC day, week (from Monday) or month that
holds a moment, a range's periods, the period still in progress, and the days the
deployments-per-week rate divides by (`metrics.calculations.deployment_frequency`)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from metrics.query import MetricsQuery


def period_start(moment: date | datetime, granularity: str) -> date:
    """The UTC day, the Monday of the week, or the first of the month that holds `moment`."""
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def next_period_start(start: date, granularity: str) -> date:
    if granularity == "week":
        return start + timedelta(weeks=1)
    if granularity == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def period_starts(*, query: MetricsQuery) -> list[date]:
    """Every period that overlaps the range, in order: the zero-filled x axis.

    The first and last periods may be partial (a range starting on a Wednesday still
    shows that week, from Monday); only data inside the range is counted in them.
    """
    starts, current = [], period_start(query.start, query.granularity)
    while current <= query.end:
        starts.append(current)
        current = next_period_start(current, query.granularity)
    return starts


def in_progress_period(*, query: MetricsQuery, today: date) -> date | None:
    """The period that holds today, when the range reaches today: it is still filling up,
    so the charts draw it as in progress and the per-week rate leaves it out."""
    if query.start <= today <= query.end:
        return period_start(today, query.granularity)
    return None


@dataclass(frozen=True)
class RateWindow:
    start: date
    end: date
    # The in-progress period is left out of the days and the deployments.
    in_progress_left_out: bool

    @property
    def days(self) -> int:
        return max((self.end - self.start).days + 1, 0)

    def per_week(self, deployments: int) -> float:
        """deployments / (days / 7); 0 without days."""
        return round(deployments / (self.days / 7), 4) if self.days else 0.0


def rate_window(*, query: MetricsQuery, first_deployed_on: date | None, today: date) -> RateWindow:
    """The days the per-week rate divides by: from the Monday of the week of the
    organization's first deployment (or the range's start, if later) to the range's end;
    a period still in progress (`in_progress_period`) is left out, unless no complete
    period remains after the first deployment, when its elapsed days (today included)
    count instead. A range that ends before the first deployment has no days."""
    start = query.start
    if first_deployed_on is not None:
        start = max(start, period_start(first_deployed_on, "week"))
    end = min(query.end, today)
    in_progress = in_progress_period(query=query, today=today)
    if in_progress is not None and in_progress - timedelta(days=1) >= start:
        return RateWindow(start, in_progress - timedelta(days=1), True)
    return RateWindow(start, end, False)


def per_week_in_window(
    counts: dict[date, int], *, window: RateWindow, in_progress: date | None
) -> float:
    """Deployments per week of a line's counts per period (the selection's, a team's): those
    in the rate window / (its days / 7), the period in progress left out when it is."""
    left_out = counts.get(in_progress, 0) if window.in_progress_left_out else 0
    return window.per_week(sum(counts.values()) - left_out)
