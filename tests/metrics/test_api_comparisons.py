"""GET /api/v1/metrics carries the previous period's totals, the failure rate and recovery
per period, and the team comparison, beside the fields it always had."""

from tests.metrics.test_api import URL, bearer
from tests.metrics.test_previous_period import build_two_periods

HOUR = 3600.0
RANGE = "from=2026-01-05&to=2026-02-01"


def test_it_answers_the_previous_period_totals(organization):
    build_two_periods(organization)

    body = bearer(organization).get(f"{URL}?{RANGE}").json()

    # The 28 days before 01-05: 2025-12-08 to 2026-01-04.
    previous = body["previous"]
    assert (previous["from"], previous["to"]) == ("2025-12-08", "2026-01-04")
    # Before: 3 deployments / 4 weeks = 0.75 per week, 1 of 3 failed = 0.3333, recovered in
    # 2 h. Now: 4 / 4 = 1.0 per week.
    assert previous["totals"]["deploymentsPerWeek"] == 0.75
    assert previous["totals"]["changeFailureRate"] == 0.3333
    assert previous["totals"]["recoveryTime"]["median"] == 2 * HOUR
    assert body["totals"]["deploymentsPerWeek"] == 1.0


def test_each_period_carries_its_failure_rate_and_recovery(organization):
    build_two_periods(organization)

    series = bearer(organization).get(f"{URL}?{RANGE}").json()["series"]

    # Week of 01-05: 3 deployments (01-06, the 01-07 rollback, 01-07 10:00), 1 failed = 0.3333,
    # recovered 09:00 → 10:00 = 1 h. Week of 01-12: none, so no rate. Week of 01-19: 1, 0 %.
    assert [period["changeFailureRate"] for period in series] == [0.3333, None, 0.0, None]
    assert [period["failedDeployments"] for period in series] == [1, 0, 0, 0]
    assert series[0]["recoveryTime"] == {"count": 1, "median": HOUR, "p75": HOUR, "p90": HOUR}
    assert series[1]["recoveryTime"]["count"] == 0


def test_it_answers_the_team_comparison(organization):
    build_two_periods(organization)

    teams = bearer(organization).get(f"{URL}?{RANGE}").json()["teams"]

    # Ada's team shipped all 4 deployments of the range: 1.0 per week (high), 1 of 4 failed
    # = 25 % (low); her one PR took 1 day = 86400 s (high: under a week); the rollback was
    # recovered in exactly 1 h, which is not under an hour (elite) but under a day: high.
    assert [team["slug"] for team in teams] == ["platform"]
    (platform,) = teams
    assert (platform["deployments"], platform["deploymentsPerWeek"]) == (4, 1.0)
    assert (platform["failedDeployments"], platform["changeFailureRate"]) == (1, 0.25)
    assert platform["changeLeadTime"]["median"] == 86400.0
    assert platform["bands"] == {
        "deploymentFrequency": "high",
        "changeLeadTime": "high",
        "changeFailureRate": "low",
        "recoveryTime": "high",
    }
