"""Deployments per week: counted from the week of the organization's first deployment and
without the period still in progress (`metrics.periods.rate_window`)."""

from datetime import date, timedelta

from django.utils import timezone

from metrics.calculations import deployment_frequency
from tests.metrics import test_calculations
from tests.metrics.helpers import at, make_query
from tests.metrics.test_calculations import deploy

world = test_calculations.world  # the fixture


def test_the_weekly_rate_counts_from_the_week_of_the_first_deployment(organization, world):
    # 52 weeks (Mon 2025-01-06 … Sun 2026-01-04); one deployment a week on the last 26 of
    # them, the first on Wednesday 2025-07-09 (week of Monday 07-07).
    for week in range(26):
        deploy(world, organization, world["ada"], at("2025-07-09", 12) + timedelta(weeks=week))
    query = make_query(organization, "2025-01-06", "2026-01-04")

    frequency = deployment_frequency(query=query, today=date(2026, 3, 1))

    # 26 deployments / (07-07 … 01-04 = 182 days / 7 = 26 weeks) = 1.0 per week, not the
    # 26 / 52 = 0.5 an average over the weeks before the first deployment would give.
    assert frequency.total == 26
    assert (frequency.rate_window.start, frequency.rate_window.end) == (
        date(2025, 7, 7),
        date(2026, 1, 4),
    )
    assert frequency.per_week == 1.0
    assert frequency.in_progress is None


def test_the_week_in_progress_is_left_out_of_the_rate(organization, world):
    for day in ("2026-01-05", "2026-01-08", "2026-01-12", "2026-01-15", "2026-01-20"):
        deploy(world, organization, world["ada"], at(day, 10))
    # Today is Wednesday 01-21: the week of Monday 01-19 holds two and a half days so far.
    query = make_query(organization, "2026-01-05", "2026-01-21")

    frequency = deployment_frequency(query=query, today=date(2026, 1, 21))

    # 4 deployments in the complete weeks 01-05 … 01-18 (14 days) / 2 weeks = 2.0 per week
    # (all 5 over 17 days would give 2.0588); the chart still shows the partial week's 1.
    assert frequency.in_progress == date(2026, 1, 19)
    assert frequency.rate_window.in_progress_left_out
    assert frequency.per_week == 2.0
    assert list(frequency.deployments.values()) == [2, 2, 1]


def test_the_day_in_progress_is_the_period_left_out_by_day(organization, world):
    for day in ("2026-01-19", "2026-01-20", "2026-01-21"):
        deploy(world, organization, world["ada"], at(day, 10))
    query = make_query(organization, "2026-01-19", "2026-01-21", granularity="day")

    frequency = deployment_frequency(query=query, today=date(2026, 1, 21))

    # 2 deployments on the complete days 01-19 and 01-20 / (2 / 7 weeks) = 7.0 per week.
    assert frequency.in_progress == date(2026, 1, 21)
    assert frequency.per_week == 7.0


def test_with_only_the_week_in_progress_its_elapsed_days_count(organization, world):
    deploy(world, organization, world["ada"], at("2026-01-19", 10))
    query = make_query(organization, "2026-01-05", "2026-01-21")

    frequency = deployment_frequency(query=query, today=date(2026, 1, 21))

    # The first deployment is this week: no complete week, so 1 deployment over the
    # elapsed 01-19 … 01-21 (3 days) = 1 / (3 / 7) = 2.3333 per week.
    assert not frequency.rate_window.in_progress_left_out
    assert frequency.per_week == 2.3333


def test_a_range_before_the_first_deployment_has_no_rate(organization, world):
    deploy(world, organization, world["ada"], at("2026-03-02", 10))
    query = make_query(organization, "2026-01-05", "2026-02-01")

    assert deployment_frequency(query=query, today=date(2026, 3, 4)).per_week == 0.0


def test_the_frequency_tile_says_which_days_its_rate_counts(organization, world, member_client):
    # The first deployment 9 days ago: a complete week lies between it and this one.
    deploy(world, organization, world["ada"], timezone.now() - timedelta(days=9))

    content = member_client.get("/?weeks=26").content.decode()

    assert "from the first deployment's week" in content
    assert "the week in progress is left out" in content
