from typing import Any

from django.db import transaction
from django.db.models import Case, F, QuerySet, Value, When
from django.utils import timezone

from tasks.models import Task


def task_sync_completed_at(task: Task) -> None:
    """Make completed_at say when the task last became completed (None while open)."""
    if not task.completed:
        task.completed_at = None
    elif task.completed_at is None:
        task.completed_at = timezone.now()


def task_create(*, user_id: int, title: str, description: str = "", completed: bool = False) -> Task:
    task = Task(user_id=user_id, title=title, description=description, completed=completed)
    task_sync_completed_at(task)
    task.save()
    return task


def task_update(*, user_id: int, task_id: int, data: dict[str, Any]) -> Task:
    """Write the named fields only, so a concurrent write to another field survives.

    The row lock serialises writers of one task, which keeps completed_at
    ("when it last became completed") right when completions race.
    """
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task_id, user_id=user_id)
        for name, value in data.items():
            setattr(task, name, value)
        fields = [*data, "updated_at"]
        if "completed" in data:
            task_sync_completed_at(task)
            fields.append("completed_at")
        task.save(update_fields=fields)
    return task


def _completion_changes(*, completed: bool | None) -> dict[str, Any]:
    """UPDATE assignments that set ``completed`` (or flip it when None).

    Computed by the database from each row as the statement sees it, so
    completed_at keeps the moment a task first became completed when it
    already was, and concurrent writers are applied one after another.
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


def task_set_completed(*, user_id: int, task_id: int, completed: bool | None) -> Task:
    """Set ``completed`` (or flip it when None) in one UPDATE statement.

    The new value is computed by the database from the row as it is when the
    statement runs, so concurrent toggles are applied one after another and
    none is lost; the re-read in the same transaction sees exactly our write.
    """
    with transaction.atomic():
        updated = Task.objects.filter(pk=task_id, user_id=user_id).update(
            **_completion_changes(completed=completed)
        )
        if not updated:
            raise Task.DoesNotExist
        return Task.objects.get(pk=task_id)


def task_delete(*, user_id: int, task_id: int) -> None:
    deleted, _ = Task.objects.filter(pk=task_id, user_id=user_id).delete()
    if not deleted:
        raise Task.DoesNotExist


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
