"""Rows of hand-written SQL with the values the ORM would give for them.

The selectors write their hottest queries out as SQL (tasks/selectors.py
says why) and run them through Django's own cursor; this applies the ORM's
converters to the model's columns in them, so a row reads the same as the
queryset's would on every backend.
"""

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Model
from django.db.models.expressions import Col


def columns(model: type[Model], fields: Sequence[str]) -> str:
    """The fields' columns, qualified with the table (a join may repeat a name)."""
    table = model._meta.db_table
    return ", ".join(f"{table}.{model._meta.get_field(name).column}" for name in fields)


@cache
def _converters(vendor: str, model: type[Model], fields: tuple[str, ...]) -> list[tuple[int, Callable, Col]]:
    # What the ORM applies to each column on this backend: on SQLite, the
    # datetimes are made aware; PostgreSQL's values need nothing. Worked out
    # once per backend, not per request nor per connection (each thread of
    # runserver has its own, and a cache of them would only grow); the
    # converters read settings only, so any connection's serve.
    table = model._meta.db_table
    return [
        (index, converter, column)
        for index, column in enumerate(model._meta.get_field(name).get_col(table) for name in fields)
        for converter in connection.ops.get_db_converters(column) + column.get_db_converters(connection)
    ]


def fetch(sql: str, params: list[Any], *, model: type[Model], fields: tuple[str, ...]) -> list[Sequence[Any]]:
    """Run ``sql``, whose result starts with the columns of ``model``'s
    ``fields``, and return its rows with those values as the ORM would give
    them (columns after those are returned as the driver gave them)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    converters = _converters(connection.vendor, model, fields)
    if not converters:
        return rows
    rows = [list(row) for row in rows]
    for row in rows:
        for index, converter, column in converters:
            if row[index] is not None:
                row[index] = converter(row[index], column, connection)
    return rows
