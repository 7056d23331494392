"""The figures' axes and hovers: ticks on period starts, whole-number counts, durations in
d/h/m, and the period in progress marked (metrics/charts.py)."""

from datetime import date

import plotly.graph_objects

from metrics import calculations, charts
from metrics.report import metrics_report
from tests.metrics import test_calculations
from tests.metrics.helpers import at, make_deployment, make_merged_pr, make_query
from tests.metrics.test_calculations import deploy

world = test_calculations.world  # the fixture


def _report(organization, world, monkeypatch):
    # Lead time 19h 11m: first commit 01-04 13:49 → deployed 01-05 09:00.
    pr = make_merged_pr(
        world["web"],
        author=world["ada"],
        first_commit_at=at("2026-01-04", 13, 49),
        merged_at=at("2026-01-05", 8),
    )
    make_deployment(
        organization, commits=[pr.commit], pull_requests=[pr], deployed_at=at("2026-01-05", 9)
    )
    for day in ("2026-01-06", "2026-01-12", "2026-01-20"):
        deploy(world, organization, world["ada"], at(day, 10))
    # Today is Wednesday 01-21, in the week of Monday 01-19.
    monkeypatch.setattr(calculations.timezone, "now", lambda: at("2026-01-21", 12))
    return metrics_report(query=make_query(organization, "2026-01-05", "2026-01-21"))


def test_weekly_ticks_fall_on_mondays_and_counts_are_whole(organization, world, monkeypatch):
    report = _report(organization, world, monkeypatch)

    figure = charts.deployment_frequency_figure(report, {"platform": "Platform"})

    plotly.graph_objects.Figure(figure)
    xaxis, yaxis = figure["layout"]["xaxis"], figure["layout"]["yaxis"]
    assert xaxis["tick0"] == "2026-01-05" and date(2026, 1, 5).weekday() == 0  # a Monday
    assert xaxis["dtick"] == 7 * 24 * 3600 * 1000  # one week, in milliseconds
    # At most 2 deployments a week: one tick per whole deployment, written as integers.
    assert (yaxis["tickformat"], yaxis["dtick"]) == (",d", 1)


def test_the_period_in_progress_is_dashed_lighter_and_says_so(organization, world, monkeypatch):
    report = _report(organization, world, monkeypatch)

    figure = charts.deployment_frequency_figure(report, {"platform": "Platform"})

    team, solid, dashed = figure["data"]
    assert team["marker"]["opacity"] == [1.0, 1.0, charts.IN_PROGRESS_OPACITY]
    assert solid["x"] == ["2026-01-05", "2026-01-12"]
    assert (dashed["x"], dashed["line"]["dash"]) == (["2026-01-12", "2026-01-19"], "dot")
    assert dashed["customdata"][-1] == ["2026-01-19", "Week of 19 Jan 2026", " · in progress"]
    assert team["hovertemplate"].startswith(charts.PERIOD_HOVER)
    # The tile's rate leaves that week out: 3 deployments over 01-05 … 01-18 = 1.5 a week.
    assert report.frequency.per_week == 1.5


def test_duration_hovers_are_dated_and_written_in_days_hours_minutes(
    organization, world, monkeypatch
):
    report = _report(organization, world, monkeypatch)

    lead_time = charts.lead_time_figure(report)["data"][-1]
    deploy_time = charts.deploy_time_figure(report)["data"][0]

    # 19h 11m is 19.18 hours: plotted in hours, hovered as the tiles write it.
    assert lead_time["y"][0] == 19.18
    assert lead_time["customdata"][0] == ["2026-01-05", "Week of 5 Jan 2026", "", "19h 11m"]
    assert "%{customdata[3]}" in lead_time["hovertemplate"]
    assert deploy_time["customdata"][0][3] == "1h"
    assert deploy_time["customdata"][1][3] == "—"


def test_daily_ticks_thin_out_on_period_starts(organization, world):
    deploy(world, organization, world["ada"], at("2026-01-05", 10))
    query = make_query(organization, "2026-01-05", "2026-03-05", granularity="day")

    xaxis = charts.time_axis(metrics_report(query=query))

    # 60 days / at most 12 ticks: a tick every 5 days, from the first day.
    assert xaxis["tick0"] == "2026-01-05"
    assert xaxis["dtick"] == 5 * 24 * 3600 * 1000
