from typing import Any

from django.db.models import F
from django.db.models.fields.tuple_lookups import Tuple, TupleLessThan

from tasks.models import Task
from tasks.pagination import Position


# What a list row carries: the API's Task, nothing more.
LISTED_FIELDS = ("id", "user_id", "title", "description", "completed", "completed_at", "created_at", "updated_at")


def task_list(
    *, user_id: int, completed: bool | None = None, after: Position | None = None, limit: int
) -> list[dict[str, Any]]:
    """At most ``limit`` of the user's tasks, newest first, strictly after ``after``;
    none unless the user is active (so reads need no separate user query).

    Rows are dicts of LISTED_FIELDS, not Task instances: building 100 model
    instances cost 0.3 ms of a 1.8 ms page, for a response that is only data.
    """
    tasks = Task.objects.filter(user_id=user_id, user__is_active=True)
    if completed is not None:
        tasks = tasks.filter(completed=completed)
    if after is not None:
        # A row comparison, which PostgreSQL turns into the bounds of the
        # index range scan itself; written as ORs it is only a filter, and
        # the planner misjudged how many rows it keeps and sorted instead.
        # (Django 5.2's own lookup, behind its composite primary keys; on
        # SQLite it is written out as the equivalent ORs.)
        tasks = tasks.filter(TupleLessThan(Tuple(F("created_at"), F("id")), (after.created_at, after.id)))
    return list(tasks.order_by("-created_at", "-id").values(*LISTED_FIELDS)[:limit])


def task_get(*, user_id: int, task_id: int) -> Task:
    """The user's task; Task.DoesNotExist when it is missing, someone else's,
    or the user is not active."""
    return Task.objects.get(pk=task_id, user_id=user_id, user__is_active=True)
