"""Durations and their percentiles in SQL: the one definition of each, used by the lead-time
aggregates, the recovery times and the PR drilldown and CSV alike."""

from django.db.models import FloatField, Func


def span_seconds_sql(later: str, earlier: str) -> str:
    """Seconds from `earlier` to `later`: a double, zero when negative (commits pushed after
    the PR opened, clock skew), null when either end is unknown (the comparison is null, so
    the ELSE gives date_part's null). date_part computes in doubles, where EXTRACT computes
    an exact numeric: a year of lead times is a dozen spans per PR, and numeric made them the
    dearest part of the dashboard's query."""
    return (
        f"CASE WHEN ({later}) < ({earlier}) THEN 0.0 "
        f"ELSE date_part('epoch', ({later}) - ({earlier})) END"
    )


class SpanSeconds(Func):
    """`span_seconds_sql` of two expressions (later, earlier), for the ORM."""

    arity = 2
    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        later, later_params = compiler.compile(self.source_expressions[0])
        earlier, earlier_params = compiler.compile(self.source_expressions[1])
        # The span appears twice in the CASE, and its parameters with it.
        return span_seconds_sql(later, earlier), (*later_params, *earlier_params) * 2


def percentiles_sql(column: str, fractions: tuple[float, ...]) -> str:
    """An array of `column`'s percentiles, one per fraction: `percentile_cont`, the linear
    interpolation between the two nearest ranks (position (n - 1) × fraction), which equals
    Python's `statistics.median` and `statistics.quantiles(method="inclusive")`. Nulls are
    skipped; no rows give null."""
    fraction_array = "ARRAY[" + ", ".join(str(float(fraction)) for fraction in fractions) + "]"
    return f"percentile_cont({fraction_array}) WITHIN GROUP (ORDER BY {column})"
