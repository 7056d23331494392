"""The validated question every metric answers: which organization, which range, which slice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from organizations.models import Organization


@dataclass(frozen=True)
class MetricsQuery:
    """What the user asked for, validated. `end` is inclusive; all dates are UTC."""

    organization: Organization
    start: date
    end: date
    granularity: str = "week"
    statistic: str = "median"
    repositories: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    period: date | None = None
    # What was read for the organization, carried so a drilldown or team comparison does
    # not read it again (`selectors.pull_requests.with_undeployed_repositories`).
    undeployed_repository_ids: tuple[int, ...] | None = None
    # The id of every deployment with an attributed incident
    # (`selectors.failures.with_incident_deployments`).
    incident_deployments: frozenset[int] | None = None

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def end_before(self) -> datetime:
        """The exclusive upper bound: midnight after the inclusive `end` date."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def default_range(weeks: int, today: date) -> tuple[date, date]:
    """The last `weeks` calendar weeks (Monday-aligned), the current one included."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=weeks - 1), today
