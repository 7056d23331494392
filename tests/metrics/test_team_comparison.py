"""The team comparison: each team's DORA keys for the range, side by side, with bands.

The range is 2026-01-05 (a Monday) to 2026-02-01: 28 days, four whole weeks, all in the past.
"""

import pytest

from metrics.report import report_started
from metrics.team_comparison import team_comparison
from tests.factories import make_commit, make_contributor, make_repository, make_team
from tests.metrics.helpers import at, make_deployment, make_merged_pr, make_query

HOUR = 3600.0


def build_two_teams(organization):
    """Platform (Ada) ships acme/web, Payments (Grace) ships acme/api."""
    platform = make_team(organization, "Platform")
    payments = make_team(organization, "Payments")
    ada = make_contributor(organization, "Ada", teams=[platform])
    grace = make_contributor(organization, "Grace", teams=[payments])
    web = make_repository(organization, "acme/web")
    api = make_repository(organization, "acme/api")

    def ship(repository, author, when, tags=(), pull_requests=()):
        commits = [pr.commit for pr in pull_requests] or [
            make_commit(repository, contributor=author, at=when)
        ]
        make_deployment(
            organization, commits=commits, pull_requests=pull_requests, deployed_at=when, tags=tags
        )

    def pr(repository, author, first_commit, merged):
        return make_merged_pr(
            repository, author=author, first_commit_at=first_commit, merged_at=merged
        )

    # Platform: 8 deployments, 1 failed (recovered 2 h later); PRs of 24 h and 26 h.
    ship(
        web,
        ada,
        at("2026-01-05", 9),
        pull_requests=[pr(web, ada, at("2026-01-04", 9), at("2026-01-05", 8))],
    )
    ship(web, ada, at("2026-01-06", 10), tags=["is_failure"])
    ship(web, ada, at("2026-01-06", 12))
    ship(
        web,
        ada,
        at("2026-01-07", 9),
        pull_requests=[pr(web, ada, at("2026-01-06", 7), at("2026-01-07", 8))],
    )
    for day in ("2026-01-13", "2026-01-20", "2026-01-27", "2026-01-28"):
        ship(web, ada, at(day, 9))
    # Payments: 2 deployments, 1 rolled back (recovered 30 min later); a PR of 4.5 h.
    ship(api, grace, at("2026-01-12", 9), tags=["rollback"])
    ship(
        api,
        grace,
        at("2026-01-12", 9, 30),
        pull_requests=[pr(api, grace, at("2026-01-12", 5), at("2026-01-12", 9))],
    )


def test_each_team_gets_its_own_numbers_and_bands(organization):
    build_two_teams(organization)
    query = make_query(organization, "2026-01-05", "2026-02-01")
    started = report_started(query=query)
    report = started.finished()

    rows = team_comparison(
        query=query,
        frequency=report.frequency,
        deployments=started.deployments,
        team_names={"platform": "Platform", "payments": "Payments"},
    )

    payments, platform = rows  # by name
    # Platform: 8 deployments / (28 days / 7) = 2.0 per week: high (at least weekly).
    assert (platform.name, platform.deployments, platform.per_week) == ("Platform", 8, 2.0)
    # 1 of 8 failed = 12.5 %: medium (<= 15 %).
    assert (platform.failed, platform.failure_rate) == (1, 0.125)
    # Lead times 01-04 09:00 → 01-05 09:00 = 24 h and 01-06 07:00 → 01-07 09:00 = 26 h:
    # median (24 + 26) / 2 = 25 h = 90000 s: high (under a week).
    assert (platform.lead_time.count, platform.lead_time.median) == (2, 25 * HOUR)
    # Recovery 01-06 10:00 → 12:00 = 2 h: high (under a day).
    assert (platform.recovery_time.count, platform.recovery_time.median) == (1, 2 * HOUR)
    assert platform.bands == {
        "deployment_frequency": "high",
        "change_lead_time": "high",
        "change_failure_rate": "medium",
        "recovery_time": "high",
    }
    # Payments: 2 / 4 weeks = 0.5 per week: medium (at least 12 / 52 = 0.23).
    assert (payments.deployments, payments.per_week) == (2, 0.5)
    # 1 of 2 rolled back = 50 %: low.
    assert (payments.failed, payments.failure_rate) == (1, 0.5)
    # Lead time 05:00 → deployed 09:30 = 4.5 h = 16200 s: elite (under a day).
    assert (payments.lead_time.count, payments.lead_time.median) == (1, 4.5 * HOUR)
    # Recovery 09:00 → 09:30 = 30 min = 1800 s: elite (under an hour).
    assert payments.recovery_time.median == 1800.0
    assert payments.bands == {
        "deployment_frequency": "medium",
        "change_lead_time": "elite",
        "change_failure_rate": "low",
        "recovery_time": "elite",
    }
    # The organization line holds both: 10 deployments, 2 failed.
    assert (report.frequency.total, report.failures.failed) == (10, 2)


def test_a_team_selection_compares_the_selected_teams_only(organization):
    build_two_teams(organization)
    query = make_query(organization, "2026-01-05", "2026-02-01", teams=("payments",))
    started = report_started(query=query)
    report = started.finished()

    rows = team_comparison(
        query=query,
        frequency=report.frequency,
        deployments=started.deployments,
        team_names={"platform": "Platform", "payments": "Payments"},
    )

    assert [(row.slug, row.deployments, row.failed) for row in rows] == [("payments", 2, 1)]


@pytest.mark.parametrize("teams", [2, 6])
def test_its_query_count_does_not_grow_with_the_teams(
    organization, teams, django_assert_num_queries
):
    build_two_teams(organization)
    names = {"platform": "Platform", "payments": "Payments"}
    for index in range(teams - 2):
        team = make_team(organization, f"Team {index}")
        person = make_contributor(organization, f"Person {index}", teams=[team])
        commit = make_commit(make_repository(organization, f"acme/r{index}"), contributor=person)
        make_deployment(organization, commits=[commit], deployed_at=at("2026-01-08", 9))
        names[team.slug] = team.name
    query = make_query(organization, "2026-01-05", "2026-02-01")
    started = report_started(query=query)
    report = started.finished()

    # Team ids, the lead times and the recoveries: one query each (the failure counts came
    # with the team lines).
    with django_assert_num_queries(3):
        rows = team_comparison(
            query=query,
            frequency=report.frequency,
            deployments=started.deployments,
            team_names=names,
        )

    assert len(rows) == teams
