from django import template

from metrics.chart_tables import figure_table

register = template.Library()


@register.inclusion_tag("metrics/_chart_table.html")
def chart_table(figure: dict, name: str, granularity: str) -> dict:
    """A chart's numbers as an HTML table in a <details> under the chart."""
    return {"table": figure_table(figure), "name": name, "granularity": granularity}
