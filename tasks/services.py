"""Writes to tasks.

Each write is one SQL statement in autocommit, never a read-modify-write
(a tag's rename is the one write of several tasks, and one transaction):
the database applies concurrent writes one after another, an UPDATE sets
only the columns a request names (so a concurrent write to another field
survives), and no BEGIN/COMMIT round trips are spent. A write plus the
authentication query and the re-read for the response is three queries.
"""

import hashlib
from contextlib import nullcontext
from datetime import date, time
from typing import Any

import orjson
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, QuerySet, Value, When
from django.utils import timezone

from tasks.etags import etag_versions
from tasks.models import Priority, Task
from tasks.selectors import has_tag_sql


class PreconditionFailed(Exception):
    """The task changed since the client read it: its If-Match named another version."""


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


def _savepoint_if_nested():
    # In autocommit a failed INSERT is its own transaction and needs nothing;
    # inside a caller's transaction a savepoint keeps that transaction usable.
    return transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()


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
) -> Task:
    """Create a task; a retry with the same ``idempotency_key`` returns the task
    the first request created instead of creating another.

    The key is inserted with the task under a unique (user, key) index, so of
    concurrent retries exactly one insert wins and the others find its row.
    Raises IdempotencyKeyReused when the key came with a different request.
    """
    fields = {
        "title": title,
        "description": description,
        "completed": completed,
        "priority": priority,
        "tags": tags or [],
        "due_date": due_date,
        "due_time": due_time,
    }
    task = Task(user_id=user_id, **fields)
    task_sync_completed_at(task)
    if idempotency_key is None:
        task.save()
        return task
    task.idempotency_key = idempotency_key
    task.idempotency_fingerprint = _fingerprint(**fields)
    try:
        with _savepoint_if_nested():
            task.save()
    except IntegrityError:
        original = Task.objects.filter(user_id=user_id, idempotency_key=idempotency_key).first()
        if original is None:
            raise
        if original.idempotency_fingerprint != task.idempotency_fingerprint:
            raise IdempotencyKeyReused from None
        return original
    return task


def _completion_changes(*, completed: bool | None) -> dict[str, Any]:
    """UPDATE assignments that set ``completed`` (or flip it when None).

    Computed by the database from each row as the statement sees it, so
    completed_at keeps the moment a task became completed when it already
    was, and concurrent writers are applied one after another.
    """
    now = timezone.now()
    if completed is None:
        new_completed = Case(When(completed=True, then=Value(False)), default=Value(True))
        completed_at = Case(When(completed=True, then=Value(None)), default=Value(now))
    elif completed:
        new_completed = Value(True)
        completed_at = Case(When(completed=True, then=F("completed_at")), default=Value(now))
    else:
        new_completed, completed_at = Value(False), Value(None)
    return {"completed": new_completed, "completed_at": completed_at, "updated_at": now}


def _matching(tasks: QuerySet[Task], if_match: list[str] | None) -> QuerySet[Task]:
    """Narrow ``tasks`` to the versions an If-Match names, so the precondition is
    checked by the same statement that writes (no window for another writer)."""
    versions = None if if_match is None else etag_versions(if_match)
    return tasks if versions is None else tasks.filter(updated_at__in=versions)


def _not_written(tasks: QuerySet[Task], if_match: list[str] | None) -> Exception:
    # Only on failure: tell a stale precondition from a missing task.
    if if_match is not None and tasks.exists():
        return PreconditionFailed()
    return Task.DoesNotExist()


def _update(*, user_id: int, task_id: int, changes: dict[str, Any], if_match: list[str] | None) -> Task:
    tasks = Task.objects.filter(pk=task_id, user_id=user_id)
    try:
        with _savepoint_if_nested():
            written = _matching(tasks, if_match).update(**changes)
    except IntegrityError:
        # The one CHECK a valid body can meet: a time set on a task without a date.
        if changes.get("due_time") is not None:
            raise DueTimeWithoutDate from None
        raise
    if not written:
        raise _not_written(tasks, if_match)
    return tasks.get()


def task_update(
    *, user_id: int, task_id: int, data: dict[str, Any], if_match: list[str] | None = None
) -> Task:
    """Set the named fields of the user's task, and only those."""
    changes = {name: value for name, value in data.items() if name != "completed"}
    if "due_date" in data and data["due_date"] is None:
        # Clearing the date clears the time (the contract's rule).
        changes["due_time"] = None
    if "completed" in data:
        changes.update(_completion_changes(completed=data["completed"]))
    else:
        changes["updated_at"] = timezone.now()
    return _update(user_id=user_id, task_id=task_id, changes=changes, if_match=if_match)


def task_set_completed(
    *, user_id: int, task_id: int, completed: bool | None, if_match: list[str] | None = None
) -> Task:
    """Set ``completed``, or flip it when None: the database computes the new
    value from the row as the statement finds it, so no toggle is lost."""
    return _update(
        user_id=user_id, task_id=task_id, changes=_completion_changes(completed=completed), if_match=if_match
    )


def task_delete(*, user_id: int, task_id: int, if_match: list[str] | None = None) -> None:
    tasks = Task.objects.filter(pk=task_id, user_id=user_id)
    # One DELETE statement. QuerySet.delete() would wrap it in a transaction
    # to collect cascades and send signals; a task has neither.
    if not _matching(tasks, if_match)._raw_delete(tasks.db):
        raise _not_written(tasks, if_match)


def task_bulk_set_completed(*, tasks: QuerySet[Task], completed: bool) -> int:
    """Mark every task of ``tasks`` complete or incomplete in one UPDATE; returns the row count.

    For the admin's bulk actions: a support person's selection of any size
    costs one statement, and completed_at stays consistent with completed.
    """
    return tasks.update(**_completion_changes(completed=completed))


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
    move their updated_at (a rename is a write to each task it touches):
    one UPDATE, so all or none of them. Returns how many it touched."""
    sql = (
        f"UPDATE tasks_task SET tags = {tags_sql}, updated_at = %s"
        f" WHERE tasks_task.user_id = %s AND {has_tag_sql()}"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [*tags_params, now, user_id, name])
        return cursor.rowcount


def _tag_count(*, user_id: int, name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM tasks_task WHERE user_id = %s AND {has_tag_sql()}", [user_id, name])
        return cursor.fetchone()[0]


def tag_rename(*, user_id: int, name: str, new_name: str) -> int:
    """Rename the user's tag on every task carrying it; returns how many tasks
    carry ``new_name`` afterwards. Raises TagNotFound when no task has ``name``.

    One transaction: the rewrite and the count see the same tasks.
    """
    with transaction.atomic():
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
    """Remove the user's tag from every task carrying it (one statement, so one
    transaction); the tasks stay. Raises TagNotFound when no task has it."""
    if not _tag_write(user_id=user_id, name=name, tags_sql=_tag_sql()["drop"], tags_params=[name]):
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
