"""Every chart's numbers as a table: read from the figure itself, so the table under a chart
shows exactly what the chart draws (issue 18 #13: a "table" view for screen readers and for
reading exact values)."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ChartTable:
    unit: str
    columns: list[str]
    # (period start, one cell per column)
    rows: list[tuple[date, list[str]]]


def _cell(value, text) -> str:
    """A point's value, with its hover text (the sample count, "1 of 3") beside it."""
    if value is None:
        return "—"
    written = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{written} ({text})" if text not in (None, "") else written


def figure_table(figure: dict) -> ChartTable:
    """One row per x value (a period start), one column per trace, in the figure's order."""
    traces = figure["data"]
    periods = list(dict.fromkeys(x for trace in traces for x in trace["x"]))
    cells: dict[str, list[str]] = {period: [] for period in periods}
    for trace in traces:
        texts = trace.get("text")
        points = {
            x: _cell(y, texts[index] if isinstance(texts, list) else None)
            for index, (x, y) in enumerate(zip(trace["x"], trace["y"], strict=True))
        }
        for period in periods:
            cells[period].append(points.get(period, "—"))
    return ChartTable(
        unit=figure["layout"].get("yaxis", {}).get("title", {}).get("text", ""),
        columns=[trace["name"] for trace in traces],
        rows=[(date.fromisoformat(period[:10]), cells[period]) for period in periods],
    )
