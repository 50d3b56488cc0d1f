"""Writes to tasks.

Each write is one SQL statement in autocommit, never a read-modify-write:
the database applies concurrent writes one after another, an UPDATE sets
only the columns a request names (so a concurrent write to another field
survives), and no BEGIN/COMMIT round trips are spent. The statement returns
the row as it left it (RETURNING): a write answers with the version it made,
never a later writer's, so every ETag a client holds is a version it was
shown. With authentication, a write is two queries.

Every write also takes its user's next change number for the change feed
(sync/services.py): on PostgreSQL inside the same statement, so it stays one;
on SQLite in a transaction of its own (BEGIN, the number, the write).

The statements are built by _insert and _update, the only SQL here, and
sync.services.numbered_delete, on the columns the reads select
(tasks/selectors.py); every value is a bound parameter. A tag's rename or
removal is the one write of many tasks: one numbered UPDATE of them all (a
rename and its count, one transaction), so the feed shows every task it touched.
"""

import hashlib
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import orjson
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Case, F, QuerySet, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from signin.credentials import Credential
from sync.services import (
    Numbering,
    Sql,
    feed_transaction,
    feed_write,
    numbered,
    numbered_delete,
    tombstones_record,
)
from tasks.etags import etag_versions, etag_versions_weakly
from tasks.models import Priority, Task
from tasks.selectors import LISTED_COLUMNS, ListedTask, as_listed, fetch_rows, has_tag_sql
from todoproject.postgresql import planned_per_run
from users.selectors import user_get_active


class PreconditionFailed(Exception):
    """The task's version fails the request's If-Match or If-None-Match: nothing was written."""

    DETAILS = {
        "If-Match": "The task has changed since it was read (If-Match); fetch it and retry.",
        "If-None-Match": "The task exists in a version If-None-Match names; nothing was written.",
    }

    def __init__(self, header: str):
        super().__init__(self.DETAILS[header])


class WriterRefused(Exception):
    """The user is not active, or the session or personal access token of
    the caller's token no longer stands: nothing was written (401)."""


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key was already used by this user for a different request."""


class DueTimeWithoutDate(Exception):
    """A due_time was set on a task that has no due_date."""


class TagNotFound(ObjectDoesNotExist):
    """None of the user's tasks carries the tag."""


def task_sync_completed_at(task: Task) -> None:
    """Make completed_at say when the task last became completed (None while open)."""
    if not task.completed:
        task.completed_at = None
    elif task.completed_at is None:
        task.completed_at = timezone.now()


# The planning fields' defaults: a body that leaves them so hashes as it did
# before they existed, so a retry of a create made then still finds its task.
_PLANNING_DEFAULTS = [Priority.NONE, [], None, None]


def _fingerprint(*, title: str, description: str, completed: bool, **planning: Any) -> str:
    values = [title, description, completed]
    planning_values = [planning["priority"], planning["tags"], planning["due_date"], planning["due_time"]]
    if planning_values != _PLANNING_DEFAULTS:
        values += planning_values
    return hashlib.sha256(orjson.dumps(values)).hexdigest()


_TABLE = Task._meta.db_table
# Not the generated due_rank: the database computes it.
_INSERTED_FIELDS = [
    field
    for field in Task._meta.concrete_fields
    if not field.primary_key and not field.generated and field.name != "change_seq"
]
_RETURNING = f" RETURNING {LISTED_COLUMNS}"


def _stored(name: str, value: Any) -> Any:
    """``value`` as the field ``name`` binds it (SQLite keeps datetimes as text)."""
    return Task._meta.get_field(name).get_db_prep_save(value, connection)


def _insert(values: dict[str, Any], *, numbering: Numbering, idempotent: bool = False) -> Sql:
    """INSERT of a task numbered as ``numbering`` says, returning its listed
    columns; the fields ``values`` leaves out take their model defaults.

    ``idempotent``: if a task already holds this user's idempotency key, the
    statement answers that task (listed columns, then its fingerprint) and
    inserts nothing. The no-op DO UPDATE makes that one atomic statement:
    after DO NOTHING, which returns no row, a SELECT can find the task
    deleted meanwhile (a retry racing a DELETE), and the key free again.
    """
    seq_sql, seq_params = numbering.seq
    columns = ", ".join(field.column for field in _INSERTED_FIELDS)
    params = [
        field.get_db_prep_save(values[field.attname] if field.attname in values else field.get_default(), connection)
        for field in _INSERTED_FIELDS
    ]
    row = f"{', '.join(['%s'] * len(params))}, {seq_sql}"
    row = f"VALUES ({row})" if numbering.source is None else f"SELECT {row} FROM {numbering.source}"
    sql = f"INSERT INTO {_TABLE} ({columns}, change_seq) {row}"
    params += seq_params
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


def _own_tasks(*, user_id: int, task_ids: list[int], condition: str = "") -> Sql:
    placeholders = ", ".join(["%s"] * len(task_ids))
    return f" WHERE {_TABLE}.user_id = %s AND {_TABLE}.id IN ({placeholders}){condition}", [user_id, *task_ids]


def _update(*, assignments: dict[str, Sql], where: Sql, numbering: Numbering, returning: str = _RETURNING) -> Sql:
    """UPDATE of the tasks ``where`` selects, numbered as ``numbering`` says,
    returning their listed columns.

    ``assignments``: field name → the SQL expression it is set to, whose
    parameters are values of that field. Every expression reads the row as
    the statement found it: SQL evaluates all of SET before changing the row.
    """
    assignments = {**assignments, "change_seq": numbering.seq}
    sets = ", ".join(f"{Task._meta.get_field(name).column} = {sql}" for name, (sql, _) in assignments.items())
    params = [_stored(name, value) for name, (_, values) in assignments.items() for value in values]
    where_sql, where_params = where
    return f"UPDATE {_TABLE} SET {sets}{_joined(numbering)}{where_sql}{returning}", [*params, *where_params]


def _joined(numbering: Numbering) -> str:
    return "" if numbering.source is None else f" FROM {numbering.source}"


def _run(statements: list[Sql], *, listed: bool = True) -> list[tuple]:
    """Run the statements in order; the rows of the last, as fetch_rows gives
    them when they start with the listed columns, else as the driver does
    (none when there are no statements: a refused caller's)."""
    if not statements:
        return []
    *before, last = statements
    if before or not listed:
        with connection.cursor() as cursor:
            for sql, params in before:
                cursor.execute(sql, params)
            if not listed:
                cursor.execute(*last)
                return cursor.fetchall()
    return fetch_rows(*last)


def _next_version(now: datetime) -> Sql:
    """The updated_at a write at ``now`` gives the tasks it changes: ``now``,
    or a microsecond after the version it replaces when the clock is not past
    it (two writes in one microsecond, or committed in the other order than
    their clocks were read). Each version of a task is later than the one
    before, so no two share an ETag (tasks/etags.py)."""
    if connection.vendor == "postgresql":
        return f"GREATEST(%s, {_TABLE}.updated_at + interval '1 microsecond')", [now]
    return f"sqlite_next_version({_TABLE}.updated_at, %s)", [now]


def sqlite_next_version(current: str, now: str) -> str:
    """_next_version on SQLite, registered on its connections (tasks/apps.py):
    the values are Django's text for UTC datetimes, and SQLite has no
    microsecond arithmetic of its own."""
    after = datetime.fromisoformat(current) + timedelta(microseconds=1)
    return str(max(after, datetime.fromisoformat(now)))


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


@dataclass(frozen=True)
class _Target:
    """The one task a write aims at: whose, the caller's credential (None: a
    caller trusted already) and the request's preconditions."""

    user_id: int
    task_id: int
    credential: Credential | None
    if_match: list[str] | None
    if_none_match: list[str] | None


def _not_written(target: _Target) -> Exception:
    """Why a write to ``target`` changed nothing: 401, 404 or 412.

    Only on failure: a query to tell a refused caller from a missing task,
    and one more to tell a failed precondition from a missing task.
    """
    if target.credential is not None and (
        user_get_active(user_id=target.user_id, credential=target.credential) is None
    ):
        return WriterRefused()
    if target.if_match is None and target.if_none_match is None:
        return Task.DoesNotExist()
    current = (
        Task.objects.filter(pk=target.task_id, user_id=target.user_id).values_list("updated_at", flat=True).first()
    )
    if current is None:
        return Task.DoesNotExist()
    allowed = None if target.if_match is None else etag_versions(target.if_match)
    return PreconditionFailed("If-Match" if allowed is not None and current not in allowed else "If-None-Match")


def _write(target: _Target, statements: Callable[[Sql], list[Sql]]) -> list[tuple]:
    """Run ``statements(condition)``, the write of ``target`` under the
    condition its preconditions make; the last one's rows, or the reason it
    wrote none."""
    condition = _version_condition(if_match=target.if_match, if_none_match=target.if_none_match)
    rows = []
    if condition is not None:
        with feed_write():
            rows = _run(statements(condition))
    if not rows:
        raise _not_written(target)
    return rows


def task_create(
    *,
    user_id: int,
    title: str,
    description: str = "",
    completed: bool = False,
    priority: Priority = Priority.NONE,
    tags: list[str] | None = None,
    due_date: date | None = None,
    due_time: time | None = None,
    idempotency_key: str | None = None,
    credential: Credential | None = None,
) -> ListedTask:
    """Create a task; a retry with the same ``idempotency_key`` returns the task
    the first request created instead of creating another.

    ``credential``: the caller's token's; the task is created only while the
    user is active and it stands (WriterRefused otherwise), checked by the
    write itself (sync/services.py). None for a caller trusted already (a
    command, the demo seed).

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
        "priority": priority,
        "tags": tags or [],
        "due_date": due_date,
        "due_time": due_time,
        "created_at": now,
        "updated_at": now,
    }
    idempotent = idempotency_key is not None
    if idempotent:
        fingerprint = _fingerprint(
            title=title, description=description, completed=completed, priority=priority, tags=values["tags"],
            due_date=due_date, due_time=due_time,
        )
        values |= {"idempotency_key": idempotency_key, "idempotency_fingerprint": fingerprint}
    with feed_write():
        statement = numbered(
            user_id=user_id,
            write=lambda numbering: _insert(values, numbering=numbering, idempotent=idempotent),
            credential=credential,
        )
        rows = [] if statement is None else fetch_rows(*statement)
    if not rows:
        raise WriterRefused
    row = rows[0]
    if not idempotent:
        return as_listed(row)
    if row[-1] != fingerprint:
        raise IdempotencyKeyReused
    return as_listed(row)


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


def _update_task(target: _Target, assignments: dict[str, Sql]) -> ListedTask:
    def statements(condition: Sql) -> list[Sql]:
        where = _own_task(user_id=target.user_id, task_id=target.task_id, condition=condition)
        statement = numbered(
            user_id=target.user_id,
            write=lambda numbering: _update(assignments=assignments, where=where, numbering=numbering),
            credential=target.credential,
        )
        return [] if statement is None else [statement]

    try:
        # In autocommit the failed statement is its own transaction; inside a
        # caller's, a savepoint keeps that one usable.
        with transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext():
            rows = _write(target, statements)
    except IntegrityError:
        # The one CHECK a valid body can meet: a time set on a task without a date.
        if "due_time" in assignments:
            raise DueTimeWithoutDate from None
        raise
    return as_listed(rows[0])


def task_update(
    *,
    user_id: int,
    task_id: int,
    data: dict[str, Any],
    if_match: list[str] | None = None,
    if_none_match: list[str] | None = None,
    credential: Credential | None = None,
) -> ListedTask:
    """Set the named fields of the user's task, and only those (``credential``
    as for task_create)."""
    now = timezone.now()
    assignments = {name: ("%s", [value]) for name, value in data.items() if name != "completed"}
    if "due_date" in data and data["due_date"] is None:
        # Clearing the date clears the time (the contract's rule).
        assignments["due_time"] = ("NULL", [])
    if "completed" in data:
        assignments |= _completion(completed=data["completed"], now=now)
    assignments["updated_at"] = _next_version(now)
    return _update_task(_Target(user_id, task_id, credential, if_match, if_none_match), assignments)


def task_set_completed(
    *,
    user_id: int,
    task_id: int,
    completed: bool | None,
    if_match: list[str] | None = None,
    if_none_match: list[str] | None = None,
    credential: Credential | None = None,
) -> ListedTask:
    """Set ``completed``, or flip it when None: the database computes the new
    value from the row as the statement finds it, so no toggle is lost."""
    now = timezone.now()
    assignments = {**_completion(completed=completed, now=now), "updated_at": _next_version(now)}
    return _update_task(_Target(user_id, task_id, credential, if_match, if_none_match), assignments)


def task_delete(
    *,
    user_id: int,
    task_id: int,
    if_match: list[str] | None = None,
    if_none_match: list[str] | None = None,
    credential: Credential | None = None,
) -> None:
    """Delete the user's task (``credential`` as for task_create)."""

    def statements(condition: Sql) -> list[Sql]:
        where = _own_task(user_id=user_id, task_id=task_id, condition=condition)
        return numbered_delete(
            user_id=user_id, where=where, returning=LISTED_COLUMNS, now=timezone.now(), credential=credential
        )

    _write(_Target(user_id, task_id, credential, if_match, if_none_match), statements)


BULK_ACTIONS = ("complete", "uncomplete", "delete")


def task_bulk_change(*, user_id: int, action: str, task_ids: list[int]) -> int:
    """Complete, uncomplete or delete those of ``task_ids`` that are the
    user's tasks, in one transaction; returns how many changed.

    A task already in the state asked for is left as it is (its updated_at
    and ETag do not move). One statement on PostgreSQL whatever the number
    of ids; the feed gives all of them one change number.
    """
    now = timezone.now()
    returning = f"{_TABLE}.id"
    with feed_write():
        if action == "delete":
            statements = numbered_delete(
                user_id=user_id, where=_own_tasks(user_id=user_id, task_ids=task_ids), returning=returning, now=now
            )
        else:
            completed = action == "complete"
            where = _own_tasks(
                user_id=user_id, task_ids=task_ids, condition=f" AND {'NOT ' if completed else ''}{_TABLE}.completed"
            )
            assignments = {**_completion(completed=completed, now=now), "updated_at": _next_version(now)}
            statements = [
                numbered(
                    user_id=user_id,
                    write=lambda numbering: _update(
                        assignments=assignments, where=where, numbering=numbering, returning=f" RETURNING {returning}"
                    ),
                )
            ]
        return len(_run(statements, listed=False))


def task_clear_completed(*, user_id: int) -> int:
    """Delete every completed task of the user, in one transaction; returns how many."""
    where = (f" WHERE {_TABLE}.user_id = %s AND {_TABLE}.completed", [user_id])
    with feed_write():
        statements = numbered_delete(user_id=user_id, where=where, returning=f"{_TABLE}.id", now=timezone.now())
        return len(_run(statements, listed=False))


def task_bulk_set_completed(*, tasks: QuerySet[Task], completed: bool) -> int:
    """Mark every task of ``tasks`` complete or incomplete in one UPDATE; returns the row count.

    For the admin's bulk actions: a support person's selection of any size
    costs one statement per owner's change number and one UPDATE, and
    completed_at stays consistent with completed (a task already completed
    keeps the moment it was).
    """
    now = timezone.now()
    completed_at = Coalesce(F("completed_at"), Value(now)) if completed else None
    with feed_transaction(user_ids=tasks.values_list("user_id", flat=True).distinct()) as seqs:
        # Only the owners numbered above: a task the selection gained meanwhile waits for the next action.
        owned = tasks.filter(user_id__in=seqs)
        return owned.update(
            completed=completed,
            completed_at=completed_at,
            # As _next_version: each task's version moves forward.
            updated_at=Greatest(Value(now), F("updated_at") + timedelta(microseconds=1)),
            change_seq=_numbers(seqs),
        )


def _numbers(seqs: dict[int, int]):
    """The change number of each task's owner, from a feed_transaction's numbers."""
    return Case(
        *(When(user_id=user_id, then=Value(seq)) for user_id, seq in seqs.items()),
        default=F("change_seq"),
        output_field=BigIntegerField(),
    )


def task_admin_save(*, task: Task, change: bool) -> None:
    """Save a task edited in the admin, with a change number for its owner.

    A task given to another owner is a deletion in the previous owner's feed.
    """
    task_sync_completed_at(task)
    previous_owner = Task.objects.filter(pk=task.pk).values_list("user_id", flat=True).first() if change else None
    moved = previous_owner is not None and previous_owner != task.user_id
    with feed_transaction(user_ids=[task.user_id, *([previous_owner] if moved else [])]) as seqs:
        task.change_seq = seqs[task.user_id]
        task.save()
        if moved:
            tombstones_record(tasks=[(previous_owner, task.pk)], seqs=seqs, now=task.updated_at)


def task_admin_delete(*, tasks: QuerySet[Task]) -> int:
    """Delete the tasks (the admin's delete and bulk delete), remembering each as deleted; returns how many."""
    task_ids = list(tasks.values_list("pk", flat=True))
    owners = Task.objects.filter(pk__in=task_ids).values_list("user_id", flat=True).distinct()
    with feed_transaction(user_ids=owners) as seqs:
        # Locked after the feed rows, as every writer takes them; a task
        # given to an owner not numbered above meanwhile is left alone.
        doomed = list(
            Task.objects.filter(pk__in=task_ids, user_id__in=seqs).select_for_update().values_list("user_id", "pk")
        )
        tombstones_record(tasks=doomed, seqs=seqs, now=timezone.now())
        Task.objects.filter(pk__in=[pk for _, pk in doomed]).delete()
    return len(doomed)


def _tag_sql() -> dict[str, str]:
    """The tag rewrites, per backend: (rename) the old name replaced by the new
    one, a task that carried both keeping one, in first-seen order; (drop)
    the name removed."""
    if connection.vendor == "postgresql":
        return {
            "rename": "(SELECT jsonb_agg(renamed.name ORDER BY renamed.position) FROM ("
            "SELECT CASE WHEN tag.name = %s THEN %s ELSE tag.name END AS name, MIN(tag.position) AS position"
            " FROM jsonb_array_elements_text(tasks_task.tags) WITH ORDINALITY AS tag(name, position)"
            " GROUP BY 1) AS renamed)",
            "drop": "tasks_task.tags - %s",
        }
    return {
        "rename": "(SELECT json_group_array(renamed.name) FROM ("
        "SELECT CASE WHEN tag.value = %s THEN %s ELSE tag.value END AS name, MIN(tag.key) AS position"
        " FROM json_each(tasks_task.tags) AS tag GROUP BY 1 ORDER BY position) AS renamed)",
        "drop": "(SELECT json_group_array(tag.value) FROM"
        " (SELECT value FROM json_each(tasks_task.tags) WHERE value != %s ORDER BY key) AS tag)",
    }


def _tag_write(*, user_id: int, name: str, tags_sql: str, tags_params: list[Any]) -> int:
    """Rewrite the tags of every task of the user that carries ``name``, and
    move their updated_at and change number (a rename is a write to each task
    it touches, which the change feed shows): one UPDATE, so all or none of
    them. The caller holds the transaction the number needs (feed_write or
    its own). Returns how many it touched."""
    version_sql, version_params = _next_version(timezone.now())
    version_params = [_stored("updated_at", value) for value in version_params]

    def write(numbering: Numbering) -> Sql:
        seq_sql, seq_params = numbering.seq
        return (
            f"UPDATE {_TABLE} SET tags = {tags_sql}, updated_at = {version_sql}, change_seq = {seq_sql}"
            f"{_joined(numbering)} WHERE {_TABLE}.user_id = %s AND {has_tag_sql()} RETURNING {_TABLE}.id",
            [*tags_params, *version_params, *seq_params, user_id, name],
        )

    return len(_run([numbered(user_id=user_id, write=write)], listed=False))


def _tag_count(*, user_id: int, name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM tasks_task WHERE user_id = %s AND {has_tag_sql()}", [user_id, name])
        return cursor.fetchone()[0]


def tag_rename(*, user_id: int, name: str, new_name: str) -> int:
    """Rename the user's tag on every task carrying it; returns how many tasks
    carry ``new_name`` afterwards. Raises TagNotFound when no task has ``name``.

    One transaction: the rewrite and the count see the same tasks. Planned
    for the tag each time, as a list by tag is (tasks/selectors.py).
    """
    with transaction.atomic(), planned_per_run():
        if new_name == name:
            count = _tag_count(user_id=user_id, name=name)
        elif _tag_write(user_id=user_id, name=name, tags_sql=_tag_sql()["rename"], tags_params=[name, new_name]):
            count = _tag_count(user_id=user_id, name=new_name)
        else:
            count = 0
    if not count:
        raise TagNotFound
    return count


def tag_delete(*, user_id: int, name: str) -> None:
    """Remove the user's tag from every task carrying it (one numbered UPDATE, one
    transaction); the tasks stay. Raises TagNotFound when no task has it."""
    with feed_write(), planned_per_run():
        removed = _tag_write(user_id=user_id, name=name, tags_sql=_tag_sql()["drop"], tags_params=[name])
    if not removed:
        raise TagNotFound


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
