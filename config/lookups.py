"""Lookups of our own, registered on every model field when the metrics app is ready."""

from django.db import models


class AnyOf(models.Lookup):
    """`field__any_of=ids`: `field = ANY(%s)` with the integers as one array parameter,
    written as PostgreSQL's array text. An `__in` of thousands of ids is a parameter each,
    which Django resolves, compiles and psycopg adapts one by one in every query that
    mentions it. Pass a set (or any iterable but a list or tuple, which Django walks
    element by element before the lookup sees them)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", ["{" + ",".join(str(int(item)) for item in value) + "}"]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        # The column's own type: a bigint compared with integers has no hash function, so
        # each row would search the array.
        array_type = f"{self.lhs.output_field.db_type(connection)}[]"
        return f"{lhs} = ANY({rhs}::{array_type})", [*lhs_params, *rhs_params]


def register() -> None:
    # A foreign key reads only the lookups registered from ForeignObject down.
    for field_class in (models.Field, models.ForeignObject):
        field_class.register_lookup(AnyOf)
