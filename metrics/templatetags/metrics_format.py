from django import template

from deployments.models import FAILURE_TAGS

register = template.Library()


@register.filter
def is_failure_tag(tag: str) -> bool:
    """A tag that makes a deployment failed (deployments.models.FAILURE_TAGS, any case)."""
    return str(tag).lower() in FAILURE_TAGS


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds as a short human duration: 2d 4h, 3h 20m, 45m, 30s; an em dash for none."""
    if seconds is None or seconds == "":
        return "—"
    seconds = int(round(float(seconds)))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m" if minutes else f"{secs}s"


@register.filter
def percent(fraction: float | None) -> str:
    return "—" if fraction is None else f"{fraction * 100:.1f}%"


@register.filter
def band_label(band: str | None) -> str:
    return band.title() if band else "No data"


@register.filter
def sort_link(current: str, key: str) -> str:
    """The sort value a column header links to: toggles when already sorted by it."""
    return key.lstrip("-") if current == f"-{key}" else f"-{key}"


@register.filter
def sort_arrow(current: str, key: str) -> str:
    if current == f"-{key}":
        return "▼"
    return "▲" if current == key else ""


STATISTIC_LABELS = {"median": "Median", "p75": "p75", "p90": "p90"}


@register.filter
def statistic(summary, name: str) -> float | None:
    """The chosen statistic (median, p75, p90) of a Summary."""
    return summary.statistic(name)


@register.filter
def statistic_label(name: str) -> str:
    return STATISTIC_LABELS.get(name, name)


@register.filter
def commit_url(repository, sha: str) -> str:
    """The commit on the repository's code host (`Repository.commit_url`)."""
    return repository.commit_url(sha)
