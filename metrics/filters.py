"""One FilterSet for the dashboard, its CSV downloads and GET /api/v1/metrics.

The same query string means the same numbers everywhere: every entry point validates the
request with `MetricsFilterSet` and hands its `query` to the calculations.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import django_filters
from django import forms
from django.forms.utils import flatatt
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from deployments.models import Deployment
from metrics.query import MetricsQuery, default_range
from metrics.selectors.choices import environment_choices, recent_tag_names
from metrics.selectors.deployments import deployments_filter
from organizations.dates import supported_date_validate
from organizations.models import Organization

GRANULARITIES = [("day", "Day"), ("week", "Week"), ("month", "Month")]
STATISTICS = [("median", "Median"), ("p75", "75th percentile"), ("p90", "90th percentile")]
RANGES = [("4", "Last 4 weeks"), ("12", "Last 12 weeks"), ("26", "Last 26 weeks")]
RANGES += [("52", "Last 52 weeks"), ("custom", "Custom")]
DEFAULT_WEEKS = 12
# Bounds the work one request can ask for: five years of history and more, by week or month.
MAX_DAYS = 6 * 366
MAX_DAILY_DAYS = 366
# Tags offered in the filter: those of deployments this recent, so a page reads a bounded
# window of deployments instead of every tag ever sent; any other tag is still accepted.
TAG_WINDOW = timedelta(days=90)


class QuickSelectMultiple(forms.SelectMultiple):
    """A <select multiple> written in Python: Django's widget templates render one template
    include per <option>, which for hundreds of repositories costs more than the page."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for _group, group_options, _index in widget["optgroups"]
                for option in group_options
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(widget["attrs"]), options
        )


class PickerCheckboxes(forms.SelectMultiple):
    """A searchable list of checkboxes in a <details> (static/js/dashboard.js filters it as
    you type): scales to hundreds of repositories, needs no Ctrl-click, and submits the
    same `name=value` pairs as a <select multiple>, with or without JavaScript."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = [
            option
            for _group, group_options, _index in widget["optgroups"]
            for option in group_options
        ]
        chosen = [option["label"] for option in options if option["selected"]]
        summary = (
            "All" if not chosen else chosen[0] if len(chosen) == 1 else f"{len(chosen)} selected"
        )
        boxes = format_html_join(
            "",
            '<label class="picker-option"><input type="checkbox" name="{}" value="{}"{}> '
            "<span>{}</span></label>",
            (
                (name, option["value"], " checked" if option["selected"] else "", option["label"])
                for option in options
            ),
        )
        search = format_html(
            '<input type="search" class="picker-search" placeholder="Search…" '
            'aria-label="Search {}">',
            name,
        )
        empty = format_html('<p class="meta picker-empty">{}</p>', "None seen yet.")
        return format_html(
            '<details class="picker" data-picker id="picker-{}"><summary>'
            '<span class="picker-summary" data-all="All">{}</span></summary>'
            '<div class="picker-panel">{}<div class="picker-options">{}</div></div></details>',
            name,
            summary,
            search if len(options) > 6 else "",
            boxes if options else empty,
        )


@dataclass(frozen=True)
class FilterChip:
    """An active filter, and the dashboard URL without it (every other filter kept)."""

    name: str
    label: str
    url: str


CHIP_NAMES = {"repository": "Repository", "team": "Team", "environment": "Environment"}
CHIP_NAMES |= {"tag": "Tag", "period": "Period", "statistic": "Statistic"}
CHIP_NAMES |= {"granularity": "By", "weeks": "Range"}
# Leaving a table's page or sort is not a filter; a new selection starts on page one.
NOT_KEPT = ("dpage", "ppage")


def filter_chips(filterset: "MetricsFilterSet", params: QueryDict) -> list[FilterChip]:
    """The filters that differ from the defaults, each a chip whose link removes it."""
    fields = filterset.form.fields
    labels = {name: dict(fields[name].choices) for name in ("team", "statistic", "granularity")}
    chips = []
    for name in ("repository", "team", "environment", "tag"):
        for value in params.getlist(name):
            label = labels.get(name, {}).get(value, value)
            chips.append(
                FilterChip(name, f"{CHIP_NAMES[name]}: {label}", _without(params, name, value))
            )
    if params.get("weeks") == "custom" or (params.get("from") or params.get("to")):
        span = f"{params.get('from', '…')} – {params.get('to', '…')}"
        chips.append(
            FilterChip("weeks", f"Range: {span}", _without(params, "weeks", None, "from", "to"))
        )
    elif params.get("weeks") and params["weeks"] != str(DEFAULT_WEEKS):
        chips.append(
            FilterChip("weeks", f"Range: last {params['weeks']} weeks", _without(params, "weeks"))
        )
    for name, default in (("granularity", "week"), ("statistic", "median")):
        if params.get(name) and params[name] != default:
            label = labels[name].get(params[name], params[name])
            chips.append(FilterChip(name, f"{CHIP_NAMES[name]}: {label}", _without(params, name)))
    if params.get("period"):
        chips.append(
            FilterChip("period", f"Period: {params['period']}", _without(params, "period"))
        )
    return chips


def _without(params: QueryDict, name: str, value: str | None = None, *also: str) -> str:
    """`params` as a query string without `name` (only its `value`, when given)."""
    kept = params.copy()
    for key in (*NOT_KEPT, *also):
        kept.pop(key, None)
    if value is None:
        kept.pop(name, None)
    else:
        kept.setlist(name, [other for other in kept.getlist(name) if other != value])
    encoded = kept.urlencode()
    return f"?{encoded}" if encoded else "?"


class AnyMultipleChoiceField(django_filters.fields.MultipleChoiceField):
    """Tags are free-form: offer the recent ones, accept any short string."""

    def valid_value(self, value) -> bool:
        # PostgreSQL cannot compare text with a NUL character: refuse it as invalid.
        return 0 < len(value) <= 100 and "\x00" not in value


class TagFilter(django_filters.MultipleChoiceFilter):
    field_class = AnyMultipleChoiceField


class MetricsFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        weeks = cleaned.get("weeks")
        if weeks == "custom" and not (cleaned.get("from") and cleaned.get("to")):
            self.add_error("from", "A custom range needs both from and to.")
        if self.errors:
            return cleaned
        cleaned["start"], cleaned["end"] = _range(cleaned, today=timezone.now().date())
        days = (cleaned["end"] - cleaned["start"]).days + 1
        if days < 1:
            self.add_error("to", "to must be on or after from.")
        elif days > MAX_DAYS:
            self.add_error("from", f"The range may span at most {MAX_DAYS} days.")
        elif days > MAX_DAILY_DAYS and cleaned.get("granularity") == "day":
            self.add_error("granularity", "Use week or month for ranges over a year.")
        return cleaned


def _range(cleaned: dict, *, today: date) -> tuple[date, date]:
    """Last N weeks when chosen; else from/to, each defaulting to the last 12 weeks'."""
    weeks = cleaned.get("weeks")
    if weeks and weeks != "custom":
        return default_range(int(weeks), today)
    default_start, default_end = default_range(DEFAULT_WEEKS, today)
    return cleaned.get("from") or default_start, cleaned.get("to") or default_end


class MetricsFilterSet(django_filters.FilterSet):
    weeks = django_filters.ChoiceFilter(choices=RANGES, label="Date range", empty_label=None)
    repository = django_filters.MultipleChoiceFilter(label="Repositories", widget=PickerCheckboxes)
    team = django_filters.MultipleChoiceFilter(label="Teams", widget=PickerCheckboxes)
    environment = django_filters.MultipleChoiceFilter(
        label="Environments", widget=PickerCheckboxes
    )
    tag = TagFilter(label="Tags", widget=PickerCheckboxes)
    granularity = django_filters.ChoiceFilter(choices=GRANULARITIES, empty_label=None)
    statistic = django_filters.ChoiceFilter(choices=STATISTICS, empty_label=None)
    period = django_filters.DateFilter(
        label="Period", widget=forms.HiddenInput, validators=[supported_date_validate]
    )

    class Meta:
        model = Deployment
        fields: list[str] = []
        form = MetricsFilterForm

    def __init__(self, data=None, *, organization: Organization, **kwargs):
        self.organization = organization
        data = _with_defaults(data)
        queryset = Deployment.objects.filter(organization=organization)
        super().__init__(data, queryset=queryset, **kwargs)
        fields = self.form.fields
        fields["repository"].choices = _choices(
            organization.repositories.order_by("full_name").values_list("full_name", flat=True)
        )
        teams = organization.teams.order_by("name").values_list("slug", "name")
        fields["team"].choices = list(teams)
        fields["environment"].choices = _choices(
            list(environment_choices(organization=organization))
        )
        fields["tag"].choices = _choices(_tag_names(organization, selected=data.getlist("tag")))

    @property
    def query(self) -> MetricsQuery:
        """The validated query; call only when `is_valid()`."""
        data = self.form.cleaned_data
        return MetricsQuery(
            organization=self.organization,
            start=data["start"],
            end=data["end"],
            granularity=data.get("granularity") or "week",
            statistic=data.get("statistic") or "median",
            repositories=tuple(data.get("repository") or ()),
            teams=tuple(data.get("team") or ()),
            environments=tuple(data.get("environment") or ()),
            tags=tuple(data.get("tag") or ()),
            period=data.get("period"),
        )

    def filter_queryset(self, queryset):
        """The deployments the query selects, with why each one counts or not."""
        return deployments_filter(queryset, query=self.query)


# `from` and `to` are Python keywords-ish names the API promises, so they are added by key.
MetricsFilterSet.base_filters["from"] = django_filters.DateFilter(
    label="From", validators=[supported_date_validate]
)
MetricsFilterSet.base_filters["to"] = django_filters.DateFilter(
    label="To", validators=[supported_date_validate]
)


def _with_defaults(data: QueryDict | None) -> QueryDict:
    """Missing choices take their defaults, so the form shows what the numbers use."""
    data = data.copy() if data is not None else QueryDict(mutable=True)
    data.setdefault("granularity", "week")
    data.setdefault("statistic", "median")
    if not data.get("from") and not data.get("to"):
        data.setdefault("weeks", str(DEFAULT_WEEKS))
    return data


def _choices(values) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


def _tag_names(organization: Organization, *, selected) -> list[str]:
    """Tags of recent deployments, plus the selected ones so the form shows them."""
    recent = recent_tag_names(organization=organization, since=timezone.now() - TAG_WINDOW)
    return sorted(
        set(recent) | {tag for tag in selected if AnyMultipleChoiceField.valid_value(None, tag)}
    )
