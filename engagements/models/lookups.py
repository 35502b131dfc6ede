"""Lookups the query vocabulary needs beyond Django's own."""

from django.db import models


class EqualsAny(models.Lookup):
    """`column = ANY(array)`: PostgreSQL's form of IN that an index scan can serve."""

    lookup_name = "equals_any"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)
