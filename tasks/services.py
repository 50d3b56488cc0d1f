"""Writes to tasks.

Each write is one SQL statement in autocommit, never a read-modify-write:
the database applies concurrent writes one after another, an UPDATE sets
only the columns a request names (so a concurrent write to another field
survives), and no BEGIN/COMMIT round trips are spent. A write plus the
authentication query and the re-read for the response is three queries.
"""

import hashlib
from contextlib import nullcontext
from typing import Any

import orjson
from django.db import IntegrityError, transaction
from django.db.models import Case, F, QuerySet, Value, When
from django.utils import timezone

from tasks.etags import etag_versions
from tasks.models import Task


class PreconditionFailed(Exception):
    """The task changed since the client read it: its If-Match named another version."""


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
    idempotency_key: str | None = None,
) -> Task:
    """Create a task; a retry with the same ``idempotency_key`` returns the task
    the first request created instead of creating another.

    The key is inserted with the task under a unique (user, key) index, so of
    concurrent retries exactly one insert wins and the others find its row.
    Raises IdempotencyKeyReused when the key came with a different request.
    """
    task = Task(user_id=user_id, title=title, description=description, completed=completed)
    task_sync_completed_at(task)
    if idempotency_key is None:
        task.save()
        return task
    task.idempotency_key = idempotency_key
    task.idempotency_fingerprint = _fingerprint(title=title, description=description, completed=completed)
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
    if not _matching(tasks, if_match).update(**changes):
        raise _not_written(tasks, if_match)
    return tasks.get()


def task_update(
    *, user_id: int, task_id: int, data: dict[str, Any], if_match: list[str] | None = None
) -> Task:
    """Set the named fields of the user's task, and only those."""
    changes = {name: value for name, value in data.items() if name != "completed"}
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
