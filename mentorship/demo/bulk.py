"""Rows straight into tables, fast: COPY on PostgreSQL, executemany elsewhere (SQLite).

For generated history only: no model instances, no signals, no save(); every column the
caller leaves out gets its field's default, so a field added later needs no change here.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, models


class Table:
    def __init__(self, model: type[models.Model], *, with_pk: bool = False):
        self.model = model
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.names = [f.attname for f in fields]
        self.columns = [f.column for f in fields]
        self.defaults = {f.attname: f.get_default() for f in fields}
        self.rows: list[tuple] = []

    def add(self, **values) -> None:
        unknown = values.keys() - self.defaults.keys()
        assert not unknown, f"{self.model.__name__} has no {unknown}"
        row = self.defaults | values
        self.rows.append(tuple(row[name] for name in self.names))

    def flush(self) -> int:
        """Insert what was added (one COPY or one executemany); returns how many."""
        rows, self.rows = self.rows, []
        if not rows:
            return 0
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                    [tuple(map(_adapt, row)) for row in rows],
                )
        return len(rows)


def _adapt(value):
    """What the database driver needs where Django would have converted (SQLite)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return connection.ops.adapt_datefield_value(value)
    return value
