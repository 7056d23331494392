"""Change Failure Rate and recovery time per period (the tiles' definitions, per period), their
trend charts, and the table of numbers under every chart.

The range is 2026-01-05 (a Monday) to 2026-02-01: the weeks of 01-05, 01-12, 01-19, 01-26.
"""

import re
from datetime import date

import plotly.graph_objects

from metrics.calculations import change_failure_rate
from metrics.chart_tables import figure_table
from tests.metrics.helpers import make_query
from tests.metrics.test_previous_period import build_two_periods

HOUR = 3600.0
WEEKS = [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19), date(2026, 1, 26)]
RANGE = "from=2026-01-05&to=2026-02-01&weeks=custom"


def test_the_failure_rate_and_recovery_are_computed_per_period(organization):
    build_two_periods(organization)

    failures = change_failure_rate(query=make_query(organization, "2026-01-05", "2026-02-01"))

    periods = failures.periods
    assert list(periods) == WEEKS  # every period, zero-filled
    # Week of 01-05: 01-06 09:00, the 01-07 09:00 rollback, 01-07 10:00: 1 of 3 = 0.3333;
    # the rollback recovered at 10:00, 1 h later.
    week = periods[WEEKS[0]]
    assert (week.deployments, week.failed, week.rate) == (3, 1, 0.3333)
    assert (week.recovery_time.count, week.recovery_time.median) == (1, HOUR)
    # Week of 01-12: no deployment, so no rate (0 of 0 is not 0 %); nothing to recover.
    assert (periods[WEEKS[1]].deployments, periods[WEEKS[1]].rate) == (0, None)
    assert periods[WEEKS[1]].recovery_time.count == 0
    # Week of 01-19: 1 deployment, none failed: 0 %.
    assert periods[WEEKS[2]].rate == 0.0
    # The periods add up to the range: 4 deployments, 1 failed.
    assert sum(period.deployments for period in periods.values()) == failures.deployments == 4
    assert sum(period.failed for period in periods.values()) == failures.failed == 1


def test_the_trend_charts_draw_the_per_period_numbers(organization, member_client):
    build_two_periods(organization)

    charts = member_client.get(f"/?{RANGE}").context["charts"]

    failure_rate = plotly.graph_objects.Figure(charts["change_failure_rate"])
    # 1 of 3 = 33.3 %, no deployments, 0 of 1, no deployments.
    assert list(failure_rate.data[0].y) == [33.3, None, 0.0, None]
    # Rework, the line beside it: the rollback is rework too, 1 of 3; then 0 of 1.
    assert failure_rate.data[1].name == "Deployment rework rate"
    assert list(failure_rate.data[1].y) == [33.3, None, 0.0, None]
    recovery = plotly.graph_objects.Figure(charts["recovery_time"])
    # The one recovery, 1 h, in the week of 01-05.
    assert list(recovery.data[0].y) == [1.0, None, None, None]


def test_a_table_shows_the_numbers_the_figure_draws():
    figure = {
        "data": [
            {"name": "Team A", "x": ["2026-01-05", "2026-01-12"], "y": [2, 0]},
            {
                "name": "Rate",
                "x": ["2026-01-05", "2026-01-12"],
                "y": [33.3, None],
                "text": ["1 of 3", "0 of 0"],
            },
        ],
        "layout": {"yaxis": {"title": {"text": "Failed deployments, %"}}},
    }

    table = figure_table(figure)

    assert table.unit == "Failed deployments, %"
    assert table.columns == ["Team A", "Rate"]
    assert table.rows == [
        (date(2026, 1, 5), ["2", "33.3 (1 of 3)"]),
        (date(2026, 1, 12), ["0", "—"]),
    ]


def test_every_chart_has_a_table_of_its_numbers(organization, member_client):
    build_two_periods(organization)

    content = member_client.get(f"/?{RANGE}").content.decode()

    charts = re.findall(r'class="chart-plot" id="([a-z-]+)"', content)
    tables = re.findall(
        r'<details class="chart-table">.*?<caption>([^<]+)</caption>', content, re.S
    )
    assert len(charts) == len(tables) == 5
    assert "Change failure rate and rework per week (Deployments, %)" in tables
    # The failure-rate table's first week: 33.3 % (1 of 3 failed).
    assert '<td class="num">33.3 (1 of 3)</td>' in content
