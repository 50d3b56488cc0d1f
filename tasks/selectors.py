"""The API's two reads, in SQL, and the row code the writes share with them.

Every list and get request runs one of these, and as querysets they cost more
than the query itself: building and compiling the equivalent queryset took
0.6 ms of a 0.93 ms get and 0.76 ms of a 1.8 ms page (in-process, PostgreSQL),
which kept the service under half the raw-psycopg floor of bench/. Written out
they are the SQL the ORM generated, through Django's own cursor (so its
connection handling, health checks and query logging still apply), with the
ORM's own converters on the values. tests/test_selectors.py holds them to the
ORM's answers on every backend the suite runs on.
"""

from collections.abc import Callable
from functools import cache
from typing import Any

from django.db import connection
from django.db.models.expressions import Col
from django.utils import timezone

from signin.credentials import Credential
from tasks.models import Task
from tasks.pagination import Position

# What a list row carries: the API's Task, nothing more, in the model's field
# order (Task.from_db takes the values in that order). Reads select these
# columns and writes return them (tasks/services.py), so a field added here
# is read, listed and answered by every write alike.
LISTED_FIELDS = ("id", "user_id", "title", "description", "completed", "completed_at", "created_at", "updated_at")
_COLUMNS = [Task._meta.get_field(name).get_col(Task._meta.db_table) for name in LISTED_FIELDS]
# Qualified: the reads join users_user, which has an id too.
LISTED_COLUMNS = ", ".join(f"tasks_task.{column.target.column}" for column in _COLUMNS)

# The joins ask for an active user whose token's session or personal access
# token still stands (signin/credentials.py), so a read needs no user query
# of its own (users/auth.py): a deactivated or deleted user's reads, and
# those of an ended session or a revoked token, find nothing.
_SELECT_OWN_TASKS = (
    f"SELECT {LISTED_COLUMNS}"
    " FROM tasks_task INNER JOIN users_user ON tasks_task.user_id = users_user.id"
)
_OWN_TASKS_WHERE = " WHERE tasks_task.user_id = %s AND users_user.is_active"


def _own_tasks(*, user_id: int, credential: Credential) -> tuple[str, list[Any]]:
    join, params = credential.join_sql(now=timezone.now())
    return _SELECT_OWN_TASKS + join + _OWN_TASKS_WHERE, [*params, user_id]


@cache
def _converters(vendor: str) -> list[tuple[int, Callable, Col]]:
    # What the ORM applies to each column on this backend: on SQLite, the
    # datetimes are made aware; PostgreSQL's values need nothing. Worked out
    # once per backend, not per request (27 µs) nor per connection (each
    # thread of runserver has its own, and a cache of them would only grow);
    # the converters read settings only, so any connection's serve.
    return [
        (index, converter, column)
        for index, column in enumerate(_COLUMNS)
        for converter in connection.ops.get_db_converters(column) + column.get_db_converters(connection)
    ]


def fetch_rows(sql: str, params: list[Any]) -> list[tuple]:
    """Run ``sql``, whose result starts with LISTED_COLUMNS, and return its rows
    with the listed values as the ORM would give them (columns after those
    are returned as the driver gave them)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    converters = _converters(connection.vendor)
    if not converters:
        return rows
    rows = [list(row) for row in rows]
    for row in rows:
        for index, converter, column in converters:
            if row[index] is not None:
                row[index] = converter(row[index], column, connection)
    return rows


def task_list(
    *,
    user_id: int,
    credential: Credential,
    completed: bool | None = None,
    after: Position | None = None,
    limit: int,
) -> list[dict[str, Any]]:
    """At most ``limit`` of the user's tasks, newest first, strictly after ``after``;
    none unless the user is active and the token's credential stands.

    Rows are dicts of LISTED_FIELDS, not Task instances: building 100 model
    instances cost 0.3 ms of a 1.8 ms page, for a response that is only data.
    """
    sql, params = _own_tasks(user_id=user_id, credential=credential)
    if completed is not None:
        sql += " AND tasks_task.completed = %s"
        params.append(completed)
    if after is not None:
        # A row comparison, which both databases turn into the bounds of the
        # index range scan itself; written as ORs it is only a filter, and
        # PostgreSQL's planner misjudged how many rows it keeps and sorted.
        sql += " AND (tasks_task.created_at, tasks_task.id) < (%s, %s)"
        params += [connection.ops.adapt_datetimefield_value(after.created_at), after.id]
    sql += " ORDER BY tasks_task.created_at DESC, tasks_task.id DESC LIMIT %s"
    return [dict(zip(LISTED_FIELDS, row)) for row in fetch_rows(sql, [*params, limit])]


def task_get(*, user_id: int, credential: Credential, task_id: int) -> Task:
    """The user's task; Task.DoesNotExist when it is missing, someone else's,
    the user is not active or the token's credential no longer stands."""
    sql, params = _own_tasks(user_id=user_id, credential=credential)
    rows = fetch_rows(sql + " AND tasks_task.id = %s", [*params, task_id])
    if not rows:
        raise Task.DoesNotExist("Task matching query does not exist.")
    return task_from_row(rows[0])


def task_from_row(row: tuple) -> Task:
    """A Task of a fetch_rows row's listed values (its other fields deferred)."""
    return Task.from_db(connection.alias, LISTED_FIELDS, row[: len(LISTED_FIELDS)])
