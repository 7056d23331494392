"""Change fail rate, recovery time and rework rate with incidents: one scenario of 20 counted
deployments, computed by hand below.

Range 2026-01-05 (Monday) to 2026-02-01: weeks 01-05, 01-12, 01-19, 01-26. Two repositories,
all production: acme/web (Ada, team Web) and acme/api (Bob, team Api). The attribution
window is the default 7 days.

    acme/web                                   acme/api
    W0  12-31 09:00  (before the range)        A1 01-05 12:00
    W1  01-05 09:00  rework: I0 open           A2 01-09 09:00
    W2  01-06 10:00  is_failure (tag only)     A3 01-10 09:00
    W3  01-06 12:00                            A4 01-19 09:30  during I7 (unattributed)
    W4  01-07 09:00  I1 by SHA                 A5 01-20 12:00  is_failure (tag only)
    W5  01-07 11:00  rework: I1 open           A6 01-21 12:00
    W6  01-08 09:00  I2 and I3 by rule         A7 01-22 09:00  is_failure and I8 by SHA
    W7  01-08 13:00  hotfix (and I3 open)      A8 01-28 09:00  I9 by SHA, started after
    W8  01-13 09:00  rollback                                  the range
    W9  01-13 10:30
    W10 01-20 09:00
    W11 01-26 09:00  I5 by rule, unresolved
    W12 01-27 09:00  rework: I5 open

    I0  web, rule   01-02 09:00 → 01-05 10:00  (W0; started before the range)
    I1  web, SHA    01-07 10:00 → 13:00        (W4)
    I2  web, rule   01-08 10:00 → 12:00        (W6)
    I3  web, rule   01-08 11:00 → 15:00        (W6: two overlapping incidents)
    I5  web, rule   01-26 10:00 → open         (W11)
    I7  api, rule   01-19 09:00 → 10:00        (A3 is 9 days before: outside the window)
    I8  api, SHA    01-22 09:30 → 10:00        (A7)
    I9  api, SHA    02-02 10:00 → 12:00        (A8; started after the range)
    I10 acme/ghost  01-15 09:00 → 10:00        (no such repository: unattributed)
"""

import csv
import io
from datetime import date, datetime

import pytest

from incidents.models import Incident
from incidents.services import incident_record
from metrics import tables
from metrics.calculations import change_failure_rate
from metrics.previous_period import previous_report, tile_changes
from metrics.report import metrics_report, report_started, totals_payload
from metrics.team_comparison import team_comparison
from tests.factories import make_commit, make_contributor, make_repository, make_team
from tests.metrics.helpers import at, make_deployment, make_query

HOUR = 3600.0
WEEKS = [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19), date(2026, 1, 26)]


def four_weeks(organization, **fields):
    return make_query(organization, "2026-01-05", "2026-02-01", **fields)


@pytest.fixture
def scenario(organization):
    web_team, api_team = make_team(organization, "Web"), make_team(organization, "Api")
    ada = make_contributor(organization, "Ada", teams=[web_team])
    bob = make_contributor(organization, "Bob", teams=[api_team])
    web, api = make_repository(organization, "acme/web"), make_repository(organization, "acme/api")
    shipped = {}

    def ship(name, repository, author, when: datetime, tags=()):
        commit = make_commit(repository, contributor=author, at=when)
        shipped[name] = make_deployment(
            organization, commits=[commit], deployed_at=when, tags=tags
        )
        shipped[name].sha = commit.sha

    ship("W0", web, ada, at("2025-12-31", 9))
    ship("W1", web, ada, at("2026-01-05", 9))
    ship("W2", web, ada, at("2026-01-06", 10), tags=["is_failure"])
    ship("W3", web, ada, at("2026-01-06", 12))
    ship("W4", web, ada, at("2026-01-07", 9))
    ship("W5", web, ada, at("2026-01-07", 11))
    ship("W6", web, ada, at("2026-01-08", 9))
    ship("W7", web, ada, at("2026-01-08", 13), tags=["Hotfix"])
    ship("W8", web, ada, at("2026-01-13", 9), tags=["rollback"])
    ship("W9", web, ada, at("2026-01-13", 10, 30))
    ship("W10", web, ada, at("2026-01-20", 9))
    ship("W11", web, ada, at("2026-01-26", 9))
    ship("W12", web, ada, at("2026-01-27", 9))
    ship("A1", api, bob, at("2026-01-05", 12))
    ship("A2", api, bob, at("2026-01-09", 9))
    ship("A3", api, bob, at("2026-01-10", 9))
    ship("A4", api, bob, at("2026-01-19", 9, 30))
    ship("A5", api, bob, at("2026-01-20", 12), tags=["is_failure"])
    ship("A6", api, bob, at("2026-01-21", 12))
    ship("A7", api, bob, at("2026-01-22", 9), tags=["is_failure"])
    ship("A8", api, bob, at("2026-01-28", 9))

    def incident(external_id, started_at, resolved_at=None, **fields):
        return incident_record(
            organization=organization,
            source=Incident.Source.API,
            external_id=external_id,
            fields={"started_at": started_at, "resolved_at": resolved_at, **fields},
        ).incident

    incidents = {
        "I0": incident(
            "I0", at("2026-01-02", 9), at("2026-01-05", 10), repository_name="acme/web"
        ),
        "I1": incident(
            "I1", at("2026-01-07", 10), at("2026-01-07", 13), deployment_sha=shipped["W4"].sha
        ),
        "I2": incident(
            "I2", at("2026-01-08", 10), at("2026-01-08", 12), repository_name="acme/web"
        ),
        "I3": incident(
            "I3", at("2026-01-08", 11), at("2026-01-08", 15), repository_name="acme/web"
        ),
        "I5": incident("I5", at("2026-01-26", 10), repository_name="acme/web"),
        "I7": incident(
            "I7", at("2026-01-19", 9), at("2026-01-19", 10), repository_name="acme/api"
        ),
        "I8": incident(
            "I8", at("2026-01-22", 9, 30), at("2026-01-22", 10), deployment_sha=shipped["A7"].sha
        ),
        "I9": incident(
            "I9", at("2026-02-02", 10), at("2026-02-02", 12), deployment_sha=shipped["A8"].sha
        ),
        "I10": incident(
            "I10", at("2026-01-15", 9), at("2026-01-15", 10), repository_name="acme/ghost"
        ),
    }
    return {"deployments": shipped, "incidents": incidents}


def test_the_scenario_attributes_as_the_rule_says(scenario):
    deployments, incidents = scenario["deployments"], scenario["incidents"]
    attributed = {
        name: (incident.attribution, incident.attributed_deployment_id)
        for name, incident in incidents.items()
    }

    assert attributed == {
        "I0": ("rule", deployments["W0"].pk),
        "I1": ("explicit", deployments["W4"].pk),
        "I2": ("rule", deployments["W6"].pk),
        "I3": ("rule", deployments["W6"].pk),
        "I5": ("rule", deployments["W11"].pk),
        "I7": ("unattributed", None),
        "I8": ("explicit", deployments["A7"].pk),
        "I9": ("explicit", deployments["A8"].pk),
        "I10": ("unattributed", None),
    }


def test_change_fail_rate_counts_tagged_and_incident_failures_once_each(organization, scenario):
    failures = change_failure_rate(query=four_weeks(organization))

    # Failed: W2 (tag), W4 (I1), W6 (I2 and I3: once), W8 (rollback), W11 (I5), A5 (tag),
    # A7 (tag and I8: once), A8 (I9, started after the range) = 8 of 20 = 40 %.
    assert failures.deployments == 20
    assert failures.failed == 8
    assert failures.rate == 0.4
    # Per week: 01-05 W1-W7, A1-A3 = 10, failed W2 W4 W6 = 3; 01-12 W8 W9 = 2, failed W8;
    # 01-19 W10 A4-A7 = 5, failed A5 A7; 01-26 W11 W12 A8 = 3, failed W11 A8.
    periods = [failures.periods[week] for week in WEEKS]
    assert [(period.deployments, period.failed) for period in periods] == [
        (10, 3),
        (2, 1),
        (5, 2),
        (3, 2),
    ]
    assert [period.rate for period in periods] == [0.3, 0.5, 0.4, 0.6667]


def test_recovery_ends_at_the_last_incident_resolved_or_the_next_good_deployment(
    organization, scenario
):
    failures = change_failure_rate(query=four_weeks(organization))

    # W2 → W3 2 h; W4 → I1 resolved 13:00, 4 h; W6 → I3 resolved 15:00 (the later of I2
    # and I3), 6 h; W8 → W9 1.5 h; A5 → A6 24 h; A7 → I8 resolved 10:00, 1 h (the incident,
    # not the next deployment A8); A8 → I9 resolved 02-02 12:00, 5 days 3 h = 123 h.
    # W11: I5 is open, so unrecovered (W12, a later good deployment, does not end it).
    # Sorted: 1, 1.5, 2, 4, 6, 24, 123 h. Median: the 4th, 4 h. p75: position 6 × 0.75 =
    # 4.5, between 6 and 24: 15 h. p90: position 5.4, 24 + 0.4 × 99 = 63.6 h.
    assert failures.recovery_time.count == 7
    assert failures.recovery_time.median == 4 * HOUR
    assert failures.recovery_time.p75 == pytest.approx(15 * HOUR)
    assert failures.recovery_time.p90 == pytest.approx(63.6 * HOUR)
    assert failures.unrecovered == 1
    # The week of 01-26: A8 recovered in 123 h, W11 not.
    last_week = failures.periods[WEEKS[3]]
    assert (last_week.recovery_time.count, last_week.unrecovered) == (1, 1)
    assert last_week.recovery_time.median == 123 * HOUR


def test_rework_is_a_hotfix_or_rollback_tag_or_a_deployment_during_an_open_incident(
    organization, scenario
):
    failures = change_failure_rate(query=four_weeks(organization))

    # W1 (I0, attributed to W0 of acme/web, open until 01-05 10:00), W5 (I1 open), W7
    # (hotfix, and I3 open: once), W8 (rollback), W12 (I5 open) = 5 of 20 = 25 %. A4 was
    # deployed while I7 was open, but I7 is attributed to no deployment: not rework.
    assert failures.rework == 5
    assert failures.rework_rate == 0.25
    assert [failures.periods[week].rework for week in WEEKS] == [3, 1, 0, 1]
    assert failures.periods[WEEKS[0]].rework_rate == 0.3


def test_rework_starts_when_the_incident_starts_and_ends_when_it_is_resolved(
    organization, scenario
):
    # I11, attributed to A5 by SHA, opens exactly at A6's deployment and is resolved
    # exactly at A7's: A6 is rework, A7 is not.
    incident_record(
        organization=organization,
        source=Incident.Source.API,
        external_id="I11",
        fields={
            "started_at": at("2026-01-21", 12),
            "resolved_at": at("2026-01-22", 9),
            "deployment_sha": scenario["deployments"]["A5"].sha,
        },
    )
    api = ("acme/api",)

    assert change_failure_rate(query=four_weeks(organization, repositories=api)).rework == 1
    # Each one-day range sees the incident that was open at its deployments, started
    # before the range or not.
    for day, rework in (("2026-01-21", 1), ("2026-01-22", 0)):
        one_day = make_query(organization, day, day, repositories=api)
        assert change_failure_rate(query=one_day).rework == rework


def test_the_totals_count_the_incidents_started_in_the_range(organization, scenario):
    totals = totals_payload(metrics_report(query=four_weeks(organization)))

    # Started 01-05 to 02-01: I1 I2 I3 I5 I8 attributed; I7 and I10 not. I0 started before
    # the range and I9 after it.
    assert totals["incidents"] == {"attributed": 5, "unattributed": 2}
    assert totals["changeFailureRate"] == 0.4
    assert totals["failedDeployments"] == 8
    assert totals["unrecoveredFailures"] == 1
    assert totals["deploymentReworkRate"] == 0.25
    assert totals["reworkDeployments"] == 5
    assert totals["recoveryTime"]["count"] == 7
    # 2024 bands: 40 % > 20 % is low; a 4 h median recovery is high (< 1 day); no band
    # for rework.
    assert totals["bands"]["changeFailureRate"] == "low"
    assert totals["bands"]["recoveryTime"] == "high"
    assert totals["bands"]["deploymentReworkRate"] is None


def test_a_repository_filter_narrows_deployments_and_incidents(organization, scenario):
    failures = change_failure_rate(query=four_weeks(organization, repositories=("acme/api",)))

    # acme/api: A1-A8, failed A5 A7 A8 = 3 of 8; no rework; incidents I7 (unattributed)
    # and I8 (attributed).
    assert (failures.deployments, failures.failed, failures.rework) == (8, 3, 0)
    assert (failures.incidents_attributed, failures.incidents_unattributed) == (1, 1)


def test_the_team_comparison_uses_the_same_failures(organization, scenario):
    query = four_weeks(organization)
    started = report_started(query=query)
    report = started.finished()
    rows = {
        row.slug: row
        for row in team_comparison(
            query=query,
            frequency=report.frequency,
            deployments=started.deployments,
            team_names={"web": "Web", "api": "Api"},
        )
    }

    # Web: W1-W12 = 12, failed W2 W4 W6 W8 W11 = 5; recovered 1.5, 2, 4, 6 h: median 3 h,
    # W11 unrecovered. Api: A1-A8 = 8, failed A5 A7 A8 = 3; 1, 24, 123 h: median 24 h.
    assert (rows["web"].deployments, rows["web"].failed, rows["web"].failure_rate) == (
        12,
        5,
        0.4167,
    )
    assert (rows["web"].recovery_time.median, rows["web"].unrecovered) == (3 * HOUR, 1)
    assert (rows["api"].deployments, rows["api"].failed, rows["api"].failure_rate) == (
        8,
        3,
        0.375,
    )
    assert rows["api"].recovery_time.median == 24 * HOUR


def test_the_previous_period_counts_incident_failures_and_rework_too(organization, scenario):
    query = four_weeks(organization)
    report, previous = metrics_report(query=query), previous_report(query)

    # 2025-12-08 to 2026-01-04: W0 only, failed (I0 by the rule), not rework.
    assert (previous.failures.deployments, previous.failures.failed) == (1, 1)
    assert previous.failures.rework_rate == 0.0
    changes = tile_changes(report, previous)
    # Rework 25 % against 0 %: up 25 pp, worse (lower is better).
    assert changes["deployment_rework_rate"].delta_text == "+25.0 pp"
    assert changes["deployment_rework_rate"].tone == "worse"
    assert changes["change_failure_rate"].delta == -0.6


def test_the_deployment_csv_says_which_failed_and_which_are_rework(organization, scenario):
    header, *rows = csv.reader(
        io.StringIO(b"".join(tables.deployment_csv(query=four_weeks(organization))).decode())
    )
    by_time = {row[0]: row for row in rows}

    deployments = scenario["deployments"]

    def flagged(column: int) -> set[str]:
        return {
            name
            for name, deployment in deployments.items()
            if by_time.get(deployment.deployed_at.isoformat(), [""] * 11)[column] == "yes"
        }

    assert header[-2:] == ["failed", "rework"]
    assert len(rows) == 20  # W0 is before the range
    # The same deployments as the rates count, above.
    assert flagged(9) == {"W2", "W4", "W6", "W8", "W11", "A5", "A7", "A8"}
    assert flagged(10) == {"W1", "W5", "W7", "W8", "W12"}
