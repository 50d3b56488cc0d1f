"""Every page of a user's list is one range scan of an index in its order: no sort, at any size.

Asked of the database's own planner, on each backend the suite runs on, with
statistics gathered over users of very different sizes (a planner prefers
another plan exactly when sizes differ).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
        Task.objects.bulk_create(Task(user=user, title=f"Task {i}") for i in range(count))
        sizes[count] = user
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return sizes


def index_for(completed: bool | None) -> str:
    # Django filters a boolean as "WHERE completed", which SQLite (the
    # development database) cannot match to an index column; PostgreSQL can.
    if completed is None or connection.vendor == "sqlite":
        return "task_user_newest_idx"
    return "task_user_status_newest_idx"


@pytest.mark.parametrize("count", [10, 1_000, 3_000])
@pytest.mark.parametrize("completed", [None, True])
def test_a_page_is_read_in_index_order_without_sorting(users_of_every_size, count, completed):
    user = users_of_every_size[count]
    newest = Task.objects.filter(user=user).first()

    for after in (None, Position(newest.created_at, newest.pk)):
        plan = plan_of(user_id=user.pk, completed=completed, after=after, limit=101)

        assert index_for(completed) in plan
        assert "Sort" not in plan and "TEMP B-TREE" not in plan
