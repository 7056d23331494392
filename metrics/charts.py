"""Plotly figures built on the server. The page embeds each one as JSON in a
<script type="application/json"> and static/js/dashboard.js draws it (no inline script).

Every point carries `customdata` = [period start, dated label, note]: the period start is
what a click navigates to, the label and note ("in progress" for the period that holds
today) are what the hover shows. Durations are plotted in hours and hovered in d/h/m, as
the tiles write them; the period in progress is drawn lighter (bars) or dashed (lines).

Figures are plain dicts in plotly's figure schema: plotly.graph_objects validates every
property of every trace on each request, which grows with the number of teams, so
tests/metrics/test_pages.py validates the figures with graph_objects instead.
"""

from datetime import date
from math import ceil

from metrics.bands import HOUR
from metrics.calculations import LEAD_TIME_PARTS
from metrics.report import MetricsReport
from metrics.templatetags.metrics_format import duration

ORGANIZATION_GREY = "#868e96"
TEAM_COLORS = ["#3b5bdb", "#0ca678", "#f08c00", "#ae3ec9", "#1098ad", "#e8590c", "#5c940d"]
PART_COLORS = {
    "coding": "#4c6ef5",
    "review_wait": "#f59f00",
    "editing": "#12b886",
    "deploy": "#7950f2",
}
PART_NAMES = {
    "coding": "Coding",
    "review_wait": "Review wait",
    "editing": "Editing",
    "deploy": "Deploy",
}
STATISTIC_NAMES = {"median": "Median", "p75": "75th percentile", "p90": "90th percentile"}


IN_PROGRESS_OPACITY = 0.4
# At most this many ticks on the time axis; each falls on a period start.
MAX_TICKS = 12
DAY_MS = 86_400_000


def _period_label(period: date, granularity: str) -> str:
    if granularity == "week":
        return f"Week of {period.day} {period:%b %Y}"
    if granularity == "month":
        return f"{period:%B %Y}"
    return f"{period:%a} {period.day} {period:%b %Y}"


def _points(report: MetricsReport) -> list[list[str]]:
    """Each period's customdata: [ISO start, dated label, in-progress note]."""
    granularity, in_progress = report.query.granularity, report.frequency.in_progress
    return [
        [
            period.isoformat(),
            _period_label(period, granularity),
            " · in progress" if period == in_progress else "",
        ]
        for period in report.periods
    ]


def _opacities(report: MetricsReport) -> list[float]:
    in_progress = report.frequency.in_progress
    return [IN_PROGRESS_OPACITY if period == in_progress else 1.0 for period in report.periods]


def time_axis(report: MetricsReport) -> dict:
    """Ticks on period starts (Mondays for weeks), at most MAX_TICKS of them."""
    periods, granularity = report.periods, report.query.granularity
    step = max(1, ceil(len(periods) / MAX_TICKS))
    dtick = {"day": DAY_MS * step, "week": 7 * DAY_MS * step, "month": f"M{step}"}[granularity]
    return {
        "type": "date",
        "gridcolor": "#f1f3f5",
        "tick0": periods[0].isoformat() if periods else None,
        "dtick": dtick,
        "tickformat": "%b %Y" if granularity == "month" else "%-d %b",
    }


def count_axis(y_title: str, counts) -> dict:
    """A y axis of whole numbers: no 0.5 deployments."""
    axis = {"title": {"text": y_title}, "gridcolor": "#f1f3f5", "rangemode": "tozero"}
    axis["tickformat"] = ",d"
    if max(counts, default=0) < 5:
        axis["dtick"] = 1
    return axis


def _layout(*, y_title: str, barmode: str = "group", height: int = 320) -> dict:
    return {
        "barmode": barmode,
        "height": height,
        "margin": {"l": 56, "r": 16, "t": 16, "b": 40},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        "legend": {"orientation": "h", "y": -0.18},
        "hovermode": "closest",
        "xaxis": {"type": "date", "gridcolor": "#f1f3f5"},
        "yaxis": {"title": {"text": y_title}, "gridcolor": "#f1f3f5", "rangemode": "tozero"},
    }


def _figure(traces: list[dict], layout: dict) -> dict:
    return {"data": traces, "layout": layout}


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / HOUR, 2)


def _dated(report: MetricsReport, figure: dict) -> dict:
    """The figure on the period-start time axis, the in-progress period marked."""
    figure["layout"]["xaxis"] = time_axis(report)
    return figure


# The hover's first line: the period and whether it is still in progress.
PERIOD_HOVER = "<b>%{customdata[1]}</b>%{customdata[2]}<br>"


def deployment_frequency_figure(report: MetricsReport, team_names: dict[str, str]) -> dict:
    """Bars per team, the organization line in grey."""
    frequency = report.frequency
    x = [period.isoformat() for period in report.periods]
    points, opacities = _points(report), _opacities(report)
    hover = PERIOD_HOVER + "%{y} deployments<extra>%{fullData.name}</extra>"
    traces = [
        {
            "type": "bar",
            "name": team_names.get(slug, slug),
            "x": x,
            "y": list(counts.values()),
            "customdata": points,
            "marker": {"color": TEAM_COLORS[index % len(TEAM_COLORS)], "opacity": opacities},
            "hovertemplate": hover,
        }
        for index, (slug, counts) in enumerate(frequency.teams.items())
    ]
    organization = list(frequency.organization.values())
    traces += _line_traces(
        report,
        name="Organization",
        y=organization,
        customdata=points,
        color=ORGANIZATION_GREY,
        hovertemplate=hover,
    )
    layout = _layout(y_title="Deployments")
    counts = organization + [n for counts in frequency.teams.values() for n in counts.values()]
    layout["yaxis"] = count_axis("Deployments", counts)
    return _dated(report, _figure(traces, layout))


def _line_traces(
    report: MetricsReport, *, name: str, y: list, customdata: list, color: str, hovertemplate: str
) -> list[dict]:
    """A line over the complete periods, and its last step into the period in progress
    dashed (a line cannot change its dash part-way)."""
    line = {
        "type": "scatter",
        "name": name,
        "x": [period.isoformat() for period in report.periods],
        "y": y,
        "customdata": customdata,
        "mode": "lines+markers",
        "line": {"color": color, "width": 2},
        "hovertemplate": hovertemplate,
        "legendgroup": name,
    }
    if report.frequency.in_progress != (report.periods[-1] if report.periods else None):
        return [line]
    complete = {key: line[key][:-1] for key in ("x", "y", "customdata")}
    last_step = {key: line[key][-2:] for key in ("x", "y", "customdata")}
    dashed = (
        line
        | last_step
        | {
            "name": f"{name} (in progress)",
            "line": {"color": color, "width": 2, "dash": "dot"},
            "marker": {
                "color": color,
                "opacity": _opacities(report)[-2:],
            },
            "showlegend": False,
        }
    )
    return [line | complete, dashed]


def _summary_trace(
    kind: str, name: str, x: list[str], summaries: list, statistic: str, **style
) -> dict:
    """One statistic of a Summary per period, in hours, with the sample count in `text`."""
    return {
        "type": kind,
        "name": name,
        "x": x,
        "y": [_hours(summary.statistic(statistic)) for summary in summaries],
        "customdata": x,
        "text": [summary.count for summary in summaries],
        **style,
    }


def _duration_points(report: MetricsReport, summaries: list, statistic: str) -> list[list]:
    """`_points` with the statistic in d/h/m appended (customdata[3]), as the tiles write it."""
    return [
        point + [duration(summary.statistic(statistic))]
        for point, summary in zip(_points(report), summaries, strict=True)
    ]


# A duration point's hover: the period, the statistic in d/h/m and its sample count.
DURATION_HOVER = PERIOD_HOVER + "%{customdata[3]} (%{text} PRs)"


def lead_time_figure(report: MetricsReport) -> dict:
    """The chosen statistic of each lead-time part per period, stacked, in hours."""
    statistic = report.query.statistic
    x, opacities = [period.isoformat() for period in report.periods], _opacities(report)
    periods = [report.lead_times.periods[period] for period in report.periods]
    traces = [
        _summary_trace(
            "bar",
            PART_NAMES[part],
            x,
            [period.parts[part] for period in periods],
            statistic,
            textposition="none",
            marker={"color": PART_COLORS[part], "opacity": opacities},
            customdata=_duration_points(
                report, [period.parts[part] for period in periods], statistic
            ),
            hovertemplate=DURATION_HOVER + "<extra>%{fullData.name}</extra>",
        )
        for part in LEAD_TIME_PARTS
    ]
    traces.append(
        _summary_trace(
            "scatter",
            f"Lead time ({STATISTIC_NAMES[statistic].lower()})",
            x,
            [period.lead_time for period in periods],
            statistic,
            mode="markers",
            marker={"color": "#212529", "symbol": "diamond", "size": 8, "opacity": opacities},
            customdata=_duration_points(report, [p.lead_time for p in periods], statistic),
            hovertemplate=DURATION_HOVER + "<extra>Lead time</extra>",
        )
    )
    return _dated(report, _figure(traces, _layout(y_title="Hours", barmode="stack")))


def deploy_time_figure(report: MetricsReport) -> dict:
    """Deploy Time (merge → deploy moment): the chosen statistic per period, in hours."""
    statistic = report.query.statistic
    x = [period.isoformat() for period in report.periods]
    summaries = [report.lead_times.periods[period].deploy_time for period in report.periods]
    trace = _summary_trace(
        "bar",
        f"Deploy time ({STATISTIC_NAMES[statistic].lower()})",
        x,
        summaries,
        statistic,
        textposition="none",
        marker={"color": PART_COLORS["deploy"], "opacity": _opacities(report)},
        customdata=_duration_points(report, summaries, statistic),
        hovertemplate=DURATION_HOVER + "<extra>Deploy time</extra>",
    )
    figure = _figure([trace], _layout(y_title="Hours") | {"showlegend": False})
    return _dated(report, figure)


def change_failure_rate_figure(report: MetricsReport) -> dict:
    """Change fail rate per period as bars and deployment rework rate as a line, in
    percent (no point: no deployments in the period)."""
    x = [period.isoformat() for period in report.periods]
    periods = [report.failures.periods[period] for period in report.periods]
    trace = {
        "type": "bar",
        "name": "Change failure rate",
        "x": x,
        "y": [None if period.rate is None else round(period.rate * 100, 1) for period in periods],
        "customdata": x,
        "text": [f"{period.failed} of {period.deployments}" for period in periods],
        "textposition": "none",
        "marker": {"color": "#e03131"},
        "hovertemplate": "%{y}% (%{text} failed)<extra>Change failure rate</extra>",
    }
    rework = {
        "type": "scatter",
        "mode": "lines+markers",
        "name": "Deployment rework rate",
        "x": x,
        "y": [_percent(period.rework_rate) for period in periods],
        "customdata": x,
        "text": [f"{period.rework} of {period.deployments}" for period in periods],
        "marker": {"color": "#7048e8"},
        "hovertemplate": "%{y}% (%{text} rework)<extra>Deployment rework rate</extra>",
    }
    layout = _layout(y_title="Deployments, %") | {"showlegend": True}
    return _figure([trace, rework], layout)


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def recovery_time_figure(report: MetricsReport) -> dict:
    """Failed-deployment recovery time: the chosen statistic of the failures deployed in
    each period, in hours."""
    statistic = report.query.statistic
    x = [period.isoformat() for period in report.periods]
    trace = _summary_trace(
        "bar",
        f"Recovery time ({STATISTIC_NAMES[statistic].lower()})",
        x,
        [report.failures.periods[period].recovery_time for period in report.periods],
        statistic,
        textposition="none",
        marker={"color": "#f76707"},
        hovertemplate="%{y} h (%{text} recovered)<extra>Recovery time</extra>",
    )
    return _figure([trace], _layout(y_title="Hours") | {"showlegend": False})
