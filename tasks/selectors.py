from django.db.models import Q

from tasks.models import Task
from tasks.pagination import Position


def task_list(
    *, user_id: int, completed: bool | None = None, after: Position | None = None, limit: int
) -> list[Task]:
    """At most ``limit`` of the user's tasks, newest first, strictly after ``after``."""
    tasks = Task.objects.filter(user_id=user_id)
    if completed is not None:
        tasks = tasks.filter(completed=completed)
    if after is not None:
        # The leading created_at__lte bounds the index range scan; the OR
        # breaks ties on equal timestamps by id.
        tasks = tasks.filter(
            Q(created_at__lt=after.created_at) | Q(created_at=after.created_at, id__lt=after.id),
            created_at__lte=after.created_at,
        )
    return list(tasks.order_by("-created_at", "-id")[:limit])


def task_get(*, user_id: int, task_id: int) -> Task:
    """The user's task; Task.DoesNotExist when it is missing or someone else's."""
    return Task.objects.get(pk=task_id, user_id=user_id)
