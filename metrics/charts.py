"""Plotly figures built on the server. The page embeds each one as JSON in a
<script type="application/json"> and static/js/dashboard.js draws it (no inline script).

Every point carries its period start in `customdata`, which is what a click navigates to.

Figures are plain dicts in plotly's figure schema: plotly.graph_objects validates every
property of every trace on each request, which grows with the number of teams, so
tests/metrics/test_pages.py validates the figures with graph_objects instead.
"""

from metrics.calculations import HOUR, LEAD_TIME_PARTS
from metrics.report import MetricsReport

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


def deployment_frequency_figure(report: MetricsReport, team_names: dict[str, str]) -> dict:
    """Bars per team, the organization line in grey."""
    frequency = report.frequency
    x = [period.isoformat() for period in report.periods]
    traces = [
        {
            "type": "bar",
            "name": team_names.get(slug, slug),
            "x": x,
            "y": list(counts.values()),
            "customdata": x,
            "marker": {"color": TEAM_COLORS[index % len(TEAM_COLORS)]},
            "hovertemplate": "%{y} deployments<extra>%{fullData.name}</extra>",
        }
        for index, (slug, counts) in enumerate(frequency.teams.items())
    ]
    traces.append(
        {
            "type": "scatter",
            "name": "Organization",
            "x": x,
            "y": list(frequency.organization.values()),
            "customdata": x,
            "mode": "lines+markers",
            "line": {"color": ORGANIZATION_GREY, "width": 2},
            "hovertemplate": "%{y} deployments<extra>Organization</extra>",
        }
    )
    return _figure(traces, _layout(y_title="Deployments"))


def _summary_trace(
    kind: str, name: str, x: list[str], summaries: list, statistic: str, **style
) -> dict:
    """One statistic of a Summary per period, in hours, with the PR count on hover."""
    return {
        "type": kind,
        "name": name,
        "x": x,
        "y": [_hours(summary.statistic(statistic)) for summary in summaries],
        "customdata": x,
        "text": [summary.count for summary in summaries],
        **style,
    }


def lead_time_figure(report: MetricsReport) -> dict:
    """The chosen statistic of each lead-time part per period, stacked, in hours."""
    statistic = report.query.statistic
    x = [period.isoformat() for period in report.periods]
    periods = [report.lead_times.periods[period] for period in report.periods]
    traces = [
        _summary_trace(
            "bar",
            PART_NAMES[part],
            x,
            [period.parts[part] for period in periods],
            statistic,
            textposition="none",
            marker={"color": PART_COLORS[part]},
            hovertemplate="%{y} h (%{text} PRs)<extra>%{fullData.name}</extra>",
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
            marker={"color": "#212529", "symbol": "diamond", "size": 8},
            hovertemplate="%{y} h (%{text} PRs)<extra>Lead time</extra>",
        )
    )
    return _figure(traces, _layout(y_title="Hours", barmode="stack"))


def deploy_time_figure(report: MetricsReport) -> dict:
    """Deploy Time (merge → deploy moment): the chosen statistic per period, in hours."""
    statistic = report.query.statistic
    x = [period.isoformat() for period in report.periods]
    trace = _summary_trace(
        "bar",
        f"Deploy time ({STATISTIC_NAMES[statistic].lower()})",
        x,
        [report.lead_times.periods[period].deploy_time for period in report.periods],
        statistic,
        textposition="none",
        marker={"color": PART_COLORS["deploy"]},
        hovertemplate="%{y} h (%{text} PRs)<extra>Deploy time</extra>",
    )
    return _figure([trace], _layout(y_title="Hours") | {"showlegend": False})


def change_failure_rate_figure(report: MetricsReport) -> dict:
    """Change Failure Rate per period, in percent (no bar: no deployments in the period)."""
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
    layout = _layout(y_title="Failed deployments, %") | {"showlegend": False}
    return _figure([trace], layout)


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
