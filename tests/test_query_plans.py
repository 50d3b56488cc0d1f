"""Every page of a user's list is one range scan of an index in its order: no sort, at any size.

Asked of the database's own planner, on each backend the suite runs on, with
statistics gathered over users of very different sizes (a planner prefers
another plan exactly when sizes differ).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import now

from tasks.models import Task
from tasks.pagination import Position
from tasks.selectors import task_list


def plan_of(**query) -> str:
    with CaptureQueriesContext(connection) as captured:
        task_list(**query)
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(explain + captured.captured_queries[-1]["sql"])
        return "\n".join(str(row) for row in cursor.fetchall())


@pytest.fixture
def users_of_every_size(make_user):
    sizes = {}
    for count in (10, 1_000, 3_000):
        user = make_user(f"size{count}@example.com")
        # A third done, as a list in use would be: the planner weighs the mix.
        Task.objects.bulk_create(
            Task(user=user, title=f"Task {i}", completed=i % 3 == 0, completed_at=now() if i % 3 == 0 else None)
            for i in range(count)
        )
        sizes[count] = user
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return sizes


def indexes_for(completed: bool | None, count: int) -> set[str]:
    if completed is None:
        return {"task_user_newest_idx"}
    # For a user of ten tasks either list-order index costs the same, and
    # each planner picks either; past that, the filter needs its own index.
    if count <= 10:
        return {"task_user_newest_idx", "task_user_status_newest_idx"}
    return {"task_user_status_newest_idx"}


@pytest.mark.parametrize("count", [10, 1_000, 3_000])
@pytest.mark.parametrize("completed", [None, True])
def test_a_page_is_read_in_index_order_without_sorting(users_of_every_size, count, completed):
    user = users_of_every_size[count]
    newest = Task.objects.filter(user=user).first()

    for after in (None, Position(newest.created_at, newest.pk)):
        plan = plan_of(user_id=user.pk, completed=completed, after=after, limit=101)

        assert any(f"{index} " in plan for index in indexes_for(completed, count)), plan
        assert "Sort" not in plan and "TEMP B-TREE" not in plan
