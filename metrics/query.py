"""The validated question every metric answers: which organization, which range, which slice."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

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

    @cached_property
    def undeployed_repository_ids(self) -> list[int]:
        """The organization's repositories with no counted deployment (lead time ends at the
        merge there), read once per query: every PR query of a report filters on them, and a
        subquery in each cost PostgreSQL an index probe per repository every time."""
        from metrics.selectors import undeployed_repositories  # selectors import this module

        return list(undeployed_repositories(organization=self.organization))

    def narrowed(self, **changes) -> MetricsQuery:
        """A copy with `changes` (range, slice) that keeps what was read for the
        organization, so a drilldown or team comparison does not read it again."""
        copy = replace(self, **changes)
        if "undeployed_repository_ids" in self.__dict__:
            copy.__dict__["undeployed_repository_ids"] = self.undeployed_repository_ids
        return copy

    def without_teams(self) -> MetricsQuery:
        return self.narrowed(teams=())


def default_range(weeks: int, today: date) -> tuple[date, date]:
    """The last `weeks` calendar weeks (Monday-aligned), the current one included."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=weeks - 1), today
