"""The dates Shiplog accepts from any input (API, filters, webhooks, imports): years 1970–2100.

Outside them nothing real happened, and date arithmetic near year 9999 overflows.
"""

from datetime import date

from django.core.exceptions import ValidationError

EARLIEST_YEAR = 1970
LATEST_YEAR = 2100
OUT_OF_RANGE_MESSAGE = f"Must be in the years {EARLIEST_YEAR}–{LATEST_YEAR}."


def date_is_supported(value: date) -> bool:
    """Whether a date or datetime (its own year, UTC for stored times) is in the range."""
    return EARLIEST_YEAR <= value.year <= LATEST_YEAR


def supported_date_validate(value: date) -> None:
    """Form and serializer validator: ValidationError unless date_is_supported(value)."""
    if not date_is_supported(value):
        raise ValidationError(OUT_OF_RANGE_MESSAGE, code="date_out_of_range")
