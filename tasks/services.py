"""Writes to tasks.

Each write is one SQL statement in autocommit, never a read-modify-write:
the database applies concurrent writes one after another, an UPDATE sets
only the columns a request names (so a concurrent write to another field
survives), and no BEGIN/COMMIT round trips are spent. The statement returns
the row as it left it (RETURNING): a write answers with the version it made,
never a later writer's, so every ETag a client holds is a version it was
shown. With authentication, a write is two queries.

The statements are built by _insert, _update and _delete, the only SQL here,
on the columns the reads select (tasks/selectors.py); every value is a bound
parameter.
"""

import hashlib
from datetime import datetime
from typing import Any

import orjson
from django.db import connection
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tasks.etags import etag_versions, etag_versions_weakly
from tasks.models import Task
from tasks.selectors import LISTED_COLUMNS, fetch_rows, task_from_row


class PreconditionFailed(Exception):
    """The task's version fails the request's If-Match or If-None-Match: nothing was written."""

    DETAILS = {
        "If-Match": "The task has changed since it was read (If-Match); fetch it and retry.",
        "If-None-Match": "The task exists in a version If-None-Match names; nothing was written.",
    }

    def __init__(self, header: str):
        super().__init__(self.DETAILS[header])


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key was already used by this user for a different request."""


def task_sync_completed_at(task: Task) -> None:
    """Make completed_at say when the task last became completed (None while open)."""
    if not task.completed:
        task.completed_at = None
    elif task.completed_at is None:
        task.completed_at = timezone.now()


def _fingerprint(*, title: str, description: str, completed: bool) -> str:
    return hashlib.sha256(orjson.dumps([title, description, completed])).hexdigest()


# SQL and its parameters: a statement, or a part of one.
Sql = tuple[str, list[Any]]

_TABLE = Task._meta.db_table
_INSERTED_FIELDS = [field for field in Task._meta.concrete_fields if not field.primary_key]
_RETURNING = f" RETURNING {LISTED_COLUMNS}"


def _stored(name: str, value: Any) -> Any:
    """``value`` as the field ``name`` binds it (SQLite keeps datetimes as text)."""
    return Task._meta.get_field(name).get_db_prep_save(value, connection)


def _insert(values: dict[str, Any], *, idempotent: bool = False) -> Sql:
    """INSERT of a task, returning its listed columns; the fields ``values``
    leaves out take their model defaults.

    ``idempotent``: if a task already holds this user's idempotency key, the
    statement answers that task (listed columns, then its fingerprint) and
    inserts nothing. The no-op DO UPDATE makes that one atomic statement:
    after DO NOTHING, which returns no row, a SELECT can find the task
    deleted meanwhile (a retry racing a DELETE), and the key free again.
    """
    columns = ", ".join(field.column for field in _INSERTED_FIELDS)
    params = [
        field.get_db_prep_save(values[field.attname] if field.attname in values else field.get_default(), connection)
        for field in _INSERTED_FIELDS
    ]
    sql = f"INSERT INTO {_TABLE} ({columns}) VALUES ({', '.join(['%s'] * len(params))})"
    if not idempotent:
        return sql + _RETURNING, params
    sql += (
        " ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL"
        " DO UPDATE SET idempotency_key = excluded.idempotency_key"
    )
    return f"{sql}{_RETURNING}, {_TABLE}.idempotency_fingerprint", params


def _own_task(*, user_id: int, task_id: int, condition: Sql) -> Sql:
    sql, params = condition
    return f" WHERE {_TABLE}.id = %s AND {_TABLE}.user_id = %s{sql}", [task_id, user_id, *params]


def _update(*, user_id: int, task_id: int, assignments: dict[str, Sql], condition: Sql) -> Sql:
    """UPDATE of the user's task where ``condition`` holds, returning its listed columns.

    ``assignments``: field name → the SQL expression it is set to, whose
    parameters are values of that field. Every expression reads the row as
    the statement found it: SQL evaluates all of SET before changing the row.
    """
    sets = ", ".join(f"{Task._meta.get_field(name).column} = {sql}" for name, (sql, _) in assignments.items())
    params = [_stored(name, value) for name, (_, values) in assignments.items() for value in values]
    where, where_params = _own_task(user_id=user_id, task_id=task_id, condition=condition)
    return f"UPDATE {_TABLE} SET {sets}{where}{_RETURNING}", [*params, *where_params]


def _delete(*, user_id: int, task_id: int, condition: Sql) -> Sql:
    """DELETE of the user's task where ``condition`` holds, returning its listed columns."""
    where, params = _own_task(user_id=user_id, task_id=task_id, condition=condition)
    return f"DELETE FROM {_TABLE}{where}{_RETURNING}", params


def _updated_at(operator: str, versions: list[datetime]) -> Sql:
    placeholders = ", ".join(["%s"] * len(versions))
    return f" AND {_TABLE}.updated_at {operator} ({placeholders})", [_stored("updated_at", v) for v in versions]


def _version_condition(*, if_match: list[str] | None, if_none_match: list[str] | None) -> Sql | None:
    """The condition on a task's version that If-Match and If-None-Match make,
    or None when no existing task can pass them.

    Part of the statement that writes, so no other write can come between
    the check and the write.
    """
    sql, params = "", []
    allowed = None if if_match is None else etag_versions(if_match)
    if allowed is not None:
        if not allowed:
            return None
        sql, params = _updated_at("IN", allowed)
    if if_none_match is not None:
        excluded = etag_versions_weakly(if_none_match)
        if excluded is None:
            return None
        if excluded:
            excluded_sql, excluded_params = _updated_at("NOT IN", excluded)
            sql, params = sql + excluded_sql, params + excluded_params
    return sql, params


def _not_written(*, user_id: int, task_id: int, if_match: list[str] | None, if_none_match: list[str] | None) -> Exception:
    """Why a write under these preconditions changed nothing: 404 or 412."""
    if if_match is None and if_none_match is None:
        return Task.DoesNotExist()
    # Only on failure: one more query to tell a failed precondition from a missing task.
    current = Task.objects.filter(pk=task_id, user_id=user_id).values_list("updated_at", flat=True).first()
    if current is None:
        return Task.DoesNotExist()
    allowed = None if if_match is None else etag_versions(if_match)
    return PreconditionFailed("If-Match" if allowed is not None and current not in allowed else "If-None-Match")


def _write(
    *, user_id: int, task_id: int, statement, if_match: list[str] | None, if_none_match: list[str] | None
) -> list[tuple]:
    """Run ``statement(condition)`` on the user's task under the preconditions;
    its rows, or the reason it wrote none."""
    condition = _version_condition(if_match=if_match, if_none_match=if_none_match)
    rows = [] if condition is None else fetch_rows(*statement(condition))
    if not rows:
        raise _not_written(user_id=user_id, task_id=task_id, if_match=if_match, if_none_match=if_none_match)
    return rows


def task_create(
    *,
    user_id: int,
    title: str,
    description: str = "",
    completed: bool = False,
    idempotency_key: str | None = None,
) -> Task:
    """Create a task; a retry with the same ``idempotency_key`` returns the task
    the first request created instead of creating another.

    The key is inserted with the task under a unique (user, key) index, so of
    concurrent retries exactly one insert wins and the others answer its row.
    Raises IdempotencyKeyReused when the key came with a different request.
    """
    # One clock reading: a task created completed was completed as it was created.
    now = timezone.now()
    values = {
        "user_id": user_id,
        "title": title,
        "description": description,
        "completed": completed,
        "completed_at": now if completed else None,
        "created_at": now,
        "updated_at": now,
    }
    if idempotency_key is None:
        return task_from_row(fetch_rows(*_insert(values))[0])
    fingerprint = _fingerprint(title=title, description=description, completed=completed)
    values |= {"idempotency_key": idempotency_key, "idempotency_fingerprint": fingerprint}
    row = fetch_rows(*_insert(values, idempotent=True))[0]
    if row[-1] != fingerprint:
        raise IdempotencyKeyReused
    return task_from_row(row)


def _completion(*, completed: bool | None, now: datetime) -> dict[str, Sql]:
    """Assignments that set ``completed`` (or flip it when None), computed from
    the row as the statement finds it: completed_at keeps the moment a task
    became completed when it already was, and concurrent toggles are each
    applied once."""
    if completed is None:
        return {
            "completed": ("NOT completed", []),
            "completed_at": ("CASE WHEN completed THEN NULL ELSE %s END", [now]),
        }
    if completed:
        return {"completed": ("%s", [True]), "completed_at": ("COALESCE(completed_at, %s)", [now])}
    return {"completed": ("%s", [False]), "completed_at": ("NULL", [])}


def _update_task(
    *,
    user_id: int,
    task_id: int,
    assignments: dict[str, Sql],
    if_match: list[str] | None,
    if_none_match: list[str] | None,
) -> Task:
    def statement(condition: Sql) -> Sql:
        return _update(user_id=user_id, task_id=task_id, assignments=assignments, condition=condition)

    rows = _write(user_id=user_id, task_id=task_id, statement=statement, if_match=if_match, if_none_match=if_none_match)
    return task_from_row(rows[0])


def task_update(
    *,
    user_id: int,
    task_id: int,
    data: dict[str, Any],
    if_match: list[str] | None = None,
    if_none_match: list[str] | None = None,
) -> Task:
    """Set the named fields of the user's task, and only those."""
    now = timezone.now()
    assignments = {name: ("%s", [value]) for name, value in data.items() if name != "completed"}
    if "completed" in data:
        assignments |= _completion(completed=data["completed"], now=now)
    assignments["updated_at"] = ("%s", [now])
    return _update_task(
        user_id=user_id, task_id=task_id, assignments=assignments, if_match=if_match, if_none_match=if_none_match
    )


def task_set_completed(
    *,
    user_id: int,
    task_id: int,
    completed: bool | None,
    if_match: list[str] | None = None,
    if_none_match: list[str] | None = None,
) -> Task:
    """Set ``completed``, or flip it when None: the database computes the new
    value from the row as the statement finds it, so no toggle is lost."""
    now = timezone.now()
    assignments = {**_completion(completed=completed, now=now), "updated_at": ("%s", [now])}
    return _update_task(
        user_id=user_id, task_id=task_id, assignments=assignments, if_match=if_match, if_none_match=if_none_match
    )


def task_delete(
    *, user_id: int, task_id: int, if_match: list[str] | None = None, if_none_match: list[str] | None = None
) -> None:
    def statement(condition: Sql) -> Sql:
        return _delete(user_id=user_id, task_id=task_id, condition=condition)

    _write(user_id=user_id, task_id=task_id, statement=statement, if_match=if_match, if_none_match=if_none_match)


def task_bulk_set_completed(*, tasks: QuerySet[Task], completed: bool) -> int:
    """Mark every task of ``tasks`` complete or incomplete in one UPDATE; returns the row count.

    For the admin's bulk actions: a support person's selection of any size
    costs one statement, and completed_at stays consistent with completed
    (a task already completed keeps the moment it was).
    """
    now = timezone.now()
    completed_at = Coalesce(F("completed_at"), Value(now)) if completed else None
    return tasks.update(completed=completed, completed_at=completed_at, updated_at=now)


# (title, description, completed): a little of everything the list shows.
DEMO_TASKS = (
    ("Buy milk", "Semi-skimmed, 2 litres", False),
    ("Read the API docs", "Open /api/docs and try each call", True),
    ("Call mum", "", False),
    ("Renew passport", "Photos first\nthen the form", False),
    ("Water the plants", "", True),
)


def task_seed_demo(*, user_id: int) -> int:
    """Give the user the demo tasks they do not have yet (by title); returns how many were added.

    Safe to run again: a second run adds nothing and touches nothing.
    """
    existing = set(Task.objects.filter(user_id=user_id).values_list("title", flat=True))
    missing = [demo for demo in DEMO_TASKS if demo[0] not in existing]
    for title, description, completed in missing:
        task_create(user_id=user_id, title=title, description=description, completed=completed)
    return len(missing)
