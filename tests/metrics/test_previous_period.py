"""The change against the previous period on every tile: the previous period is the
same-length range right before the selected one, with the same filters, computed by the
same report.

The selected range is 2026-01-05 (a Monday) to 2026-02-01: 28 days. The previous period is
the 28 days before it, 2025-12-08 to 2026-01-04.
"""

from datetime import date, timedelta

import pytest

from metrics.previous_period import Change, previous_query, previous_report, tile_changes
from metrics.report import metrics_report
from tests.factories import make_commit, make_contributor, make_repository, make_team
from tests.metrics.helpers import at, make_deployment, make_merged_pr, make_query

HOUR = 3600.0
DAY = 24 * HOUR


def build_two_periods(organization):
    """Previous period: 3 deployments, 1 failed (recovered in 2 h), a PR of 2 days' lead
    time. Selected range: 4 deployments, 1 failed (recovered in 1 h), a PR of 1 day."""
    team = make_team(organization, "Platform")
    ada = make_contributor(organization, "Ada", teams=[team])
    web = make_repository(organization, "acme/web")

    def ship(when, tags=(), pull_requests=()):
        commits = [pr.commit for pr in pull_requests] or [
            make_commit(web, contributor=ada, at=when)
        ]
        make_deployment(
            organization,
            commits=commits,
            pull_requests=pull_requests,
            deployed_at=when,
            tags=tags,
        )

    old_pr = make_merged_pr(
        web, author=ada, first_commit_at=at("2025-12-08", 9), merged_at=at("2025-12-10", 8)
    )
    ship(at("2025-12-10", 9), pull_requests=[old_pr])  # lead time 12-08 09:00 → 12-10 09:00
    ship(at("2025-12-15", 9), tags=["is_failure"])
    ship(at("2025-12-15", 11))  # recovers the failure: 2 h
    new_pr = make_merged_pr(
        web, author=ada, first_commit_at=at("2026-01-05", 9), merged_at=at("2026-01-06", 8)
    )
    ship(at("2026-01-06", 9), pull_requests=[new_pr])  # lead time 01-05 09:00 → 01-06 09:00
    ship(at("2026-01-07", 9), tags=["rollback"])
    ship(at("2026-01-07", 10))  # recovers the rollback: 1 h
    ship(at("2026-01-20", 9))


def test_the_previous_period_is_the_same_length_range_just_before(organization):
    query = make_query(
        organization, "2026-01-05", "2026-02-01", teams=("platform",), period=date(2026, 1, 12)
    )

    previous = previous_query(query)

    # 28 days back from 01-05 is 2025-12-08; the day before 01-05 is 01-04.
    assert (previous.start, previous.end) == (date(2025, 12, 8), date(2026, 1, 4))
    assert previous.days == query.days == 28
    # The same filters; a clicked drilldown period is not a filter of the tiles.
    assert previous.teams == ("platform",)
    assert previous.period is None


def test_each_tile_changes_against_the_previous_period(organization):
    build_two_periods(organization)
    query = make_query(organization, "2026-01-05", "2026-02-01")

    changes = tile_changes(metrics_report(query=query), previous_report(query))

    # Deployments per week: now 4 / (28 / 7) = 1.0; before 3 / 4 = 0.75; up 0.25: good.
    frequency = changes["deployment_frequency"]
    assert (frequency.current, frequency.previous, frequency.delta) == (1.0, 0.75, 0.25)
    assert (frequency.arrow, frequency.tone, frequency.delta_text) == ("▲", "better", "+0.25")
    # Lead time (median of one PR each): now 1 day, before 2 days; down a day, which is good.
    lead_time = changes["change_lead_time"]
    assert (lead_time.current, lead_time.previous) == (DAY, 2 * DAY)
    assert (lead_time.arrow, lead_time.tone, lead_time.delta_text) == ("▼", "better", "−1d")
    assert lead_time.previous_text == "2d"
    # Change failure rate: now 1 / 4 = 25 %, before 1 / 3 = 33.33 %: down 8.33 points, good.
    failure_rate = changes["change_failure_rate"]
    assert (failure_rate.current, failure_rate.previous) == (0.25, 0.3333)
    assert (failure_rate.tone, failure_rate.delta_text) == ("better", "−8.3 pp")
    assert failure_rate.description == "Down 8.3 pp from 33.3%, better"
    # Recovery: now 1 h, before 2 h.
    recovery = changes["recovery_time"]
    assert (recovery.current, recovery.previous, recovery.tone) == (HOUR, 2 * HOUR, "better")


def test_the_tiles_compare_the_chosen_statistic(organization):
    build_two_periods(organization)
    query = make_query(organization, "2026-01-05", "2026-02-01", statistic="p90")

    changes = tile_changes(metrics_report(query=query), previous_report(query))

    # One PR a period: its p90 is its own lead time, 1 day now and 2 days before.
    assert (changes["change_lead_time"].current, changes["change_lead_time"].previous) == (
        DAY,
        2 * DAY,
    )


@pytest.mark.parametrize(
    ("metric", "current", "previous", "arrow", "tone"),
    [
        # More deployments per week is better ...
        ("deployment_frequency", 3.0, 2.0, "▲", "better"),
        ("deployment_frequency", 1.0, 2.0, "▼", "worse"),
        # ... a longer lead time, deploy time or recovery, or a higher failure rate is worse.
        ("change_lead_time", 2 * DAY, DAY, "▲", "worse"),
        ("deploy_time", HOUR, 2 * HOUR, "▼", "better"),
        ("change_failure_rate", 0.2, 0.1, "▲", "worse"),
        ("recovery_time", HOUR, HOUR, "=", "neutral"),
    ],
)
def test_whether_up_is_good_depends_on_the_metric(metric, current, previous, arrow, tone):
    change = Change(metric, current, previous)

    assert (change.arrow, change.tone) == (arrow, tone)


def test_an_unchanged_value_says_so():
    change = Change("recovery_time", HOUR, HOUR)

    assert (change.delta_text, change.description) == ("no change", "Unchanged from 1h")


def test_a_change_without_a_previous_value_has_no_arrow():
    change = Change("change_lead_time", DAY, None)

    assert (change.delta, change.arrow, change.tone) == (None, "", "neutral")
    assert change.previous_text == "—"
    assert change.description == "No data in the previous period"


def test_the_delta_is_written_as_the_tile_writes_its_value():
    # 1.25 − 0.5 = +0.75 per week; 3 h 20 m − 1 h = +2h 20m; 10 % − 12.5 % = −2.5 points.
    assert Change("deployment_frequency", 1.25, 0.5).delta_text == "+0.75"
    assert Change("recovery_time", 3 * HOUR + 20 * 60, HOUR).delta_text == "+2h 20m"
    assert Change("change_failure_rate", 0.1, 0.125).delta_text == "−2.5 pp"
    assert Change(
        "change_lead_time", DAY, DAY + timedelta(hours=4).total_seconds()
    ).description == ("Down 4h from 1d 4h, better")
