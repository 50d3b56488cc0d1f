"""Every page of a user's list is one range scan of an index in its order: no sort, at any size.

Asked of the database's own planner, on each backend the suite runs on, with
statistics gathered over users of very different sizes (a planner prefers
another plan exactly when sizes differ), both for the page as run and for the
generic plan PostgreSQL may keep for a prepared statement.
"""

import re

import pytest
from django.db import connection
from psycopg.sql import Literal
from django.utils.timezone import now

from signin.credentials import Credential
from signin.models import Session
from tasks.models import Task
from tasks.pagination import Position
from tasks.selectors import task_list


def statement_of(**query) -> tuple[str, list]:
    """The selector's SQL as sent: placeholders and parameters apart."""
    sent = []

    def record(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        task_list(**query)
    return sent[-1]


def plan_of(prepared: bool, **query) -> str:
    """The plan of one page as run, or as a prepared statement may run it
    (psycopg prepares a statement's sixth run on a connection, and PostgreSQL
    may then settle on one generic plan made without the parameters' values)."""
    sql, params = statement_of(**query)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # SQLite plans each statement as it is prepared, before any value is bound.
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        elif not prepared:
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            numbered = iter(range(1, len(params) + 1))
            cursor.execute("PREPARE page AS " + re.sub("%s", lambda _: f"${next(numbered)}", sql))
            values = ", ".join(Literal(value).as_string(connection.connection) for value in params)
            cursor.execute(f"EXPLAIN EXECUTE page({values})")
        plan = "\n".join(str(row) for row in cursor.fetchall())
        if prepared and connection.vendor != "sqlite":
            cursor.execute("DEALLOCATE page")
    return plan


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
@pytest.mark.parametrize("prepared", [False, True], ids=["as run", "prepared"])
def test_a_page_is_read_in_index_order_without_sorting(users_of_every_size, count, completed, prepared):
    user = users_of_every_size[count]
    newest = Task.objects.filter(user=user).first()
    # As a request runs it: joined to the token's session, which must be open.
    credential = Credential(session_id=Session.objects.create(user=user).pk)

    for after in (None, Position(newest.created_at, newest.pk)):
        plan = plan_of(prepared, user_id=user.pk, credential=credential, completed=completed, after=after, limit=101)

        assert any(f"{index} " in plan for index in indexes_for(completed, count)), plan
        assert "Sort" not in plan and "TEMP B-TREE" not in plan
