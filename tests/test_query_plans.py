"""Every page of a user's list is one range scan of an index in its order: no sort, at any size.

Asked of the database's own planner, on each backend the suite runs on, with
statistics gathered over users of very different sizes (a planner prefers
another plan exactly when sizes differ), both for the page as run and for the
generic plan PostgreSQL may keep for a prepared statement. Every sort, alone
and with ``completed``; ``tag`` and ``q`` are answered on PostgreSQL from
their GIN indexes, on SQLite by filtering the sort's index.
"""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils.timezone import now
from psycopg.sql import Literal

from signin.credentials import SIGNATURE_ONLY, Credential
from signin.models import Session
from tasks.models import Priority, Task
from tasks.selectors import DEFAULT_SORT, SORTS, TaskFilters, task_list
from tasks.services import tag_delete, tag_rename
from todoproject.postgresql import _planned_per_run

SIZES = (10, 1_000, 3_000)
# Each sort's index, and its twin after `completed` (tasks/models.py).
SORT_INDEXES = {
    "-created_at": "newest",
    "created_at": "newest",  # read backwards
    "due": "due",
    "-priority": "priority",
    "-updated_at": "updated",
    "title": "title",
}


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


def planned_task(user, i: int) -> Task:
    done = i % 3 == 0
    return Task(
        user=user,
        title=f"Task {i}",
        # One task in a hundred mentions the needle; one in fifty is tagged "rare".
        description="find the needle" if i % 100 == 0 else "hay",
        completed=done,
        completed_at=now() if done else None,
        priority=i % 4,
        tags=["rare", "common"] if i % 50 == 0 else ["common"] if i % 2 else [],
        due_date=date(2026, 1, 1) + timedelta(days=i % 90) if i % 4 else None,
    )


@pytest.fixture
def users_of_every_size(make_user):
    sizes = {}
    for count in SIZES:
        user = make_user(f"size{count}@example.com")
        # A third done, as a list in use would be: the planner weighs the mix.
        Task.objects.bulk_create(planned_task(user, i) for i in range(count))
        sizes[count] = user
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return sizes


def indexes_for(sort: str, completed: bool | None, count: int) -> set[str]:
    alone, after_status = f"task_user_{SORT_INDEXES[sort]}_idx", f"task_user_status_{SORT_INDEXES[sort]}_idx"
    if completed is None:
        return {alone}
    # For a user of ten tasks either index in the list's order costs the
    # same, and each planner picks either; past that, the filter needs its own.
    if count <= 10:
        return {alone, after_status}
    return {after_status}


def uses(plan: str, indexes: set[str]) -> bool:
    return any(re.search(rf"\b{index}\b", plan) for index in indexes)


def first_and_deep(user, sort: str, filters: TaskFilters):
    """No cursor, and the cursor of the page after the first task."""
    return [None, task_list(user_id=user.pk, credential=SIGNATURE_ONLY, filters=filters, sort=sort, limit=1).after]


@pytest.mark.parametrize("count", SIZES)
@pytest.mark.parametrize("completed", [None, True])
@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("prepared", [False, True], ids=["as run", "prepared"])
def test_a_page_is_read_in_index_order_without_sorting(users_of_every_size, count, completed, sort, prepared):
    user, filters = users_of_every_size[count], TaskFilters(completed=completed)
    # As a request runs it: joined to the token's session, which must be open.
    credential = Credential(session_id=Session.objects.create(user=user).pk)

    for after in first_and_deep(user, sort, filters):
        plan = plan_of(
            prepared, user_id=user.pk, credential=credential, filters=filters, sort=sort, after=after, limit=100
        )

        if count <= 10 and sort != DEFAULT_SORT:
            # Sorting ten rows costs less than the choice of index: the
            # planner reads them by any index of the user and sorts them.
            assert "task_user_" in plan and "Seq Scan on tasks_task" not in plan, plan
            continue
        assert uses(plan, indexes_for(sort, completed, count)), plan
        if sort == "created_at":
            # Read backwards, the index gives ties in created_at with the id
            # ascending: only those (tasks of one microsecond) are sorted.
            assert "Presorted Key: tasks_task.created_at" in plan or connection.vendor == "sqlite", plan
            plan = re.sub(r".*(Incremental Sort|Sort Key|Presorted Key|RIGHT PART OF ORDER BY).*", "", plan)
        assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan


# A tag on one task in fifty, a word in one in a hundred: selective filters.
SEARCHES = {"tag": TaskFilters(tags=("rare",)), "q": TaskFilters(q="needle")}
GIN_INDEXES = {"tag": "task_tags_idx", "q": "task_text_idx"}


@pytest.fixture
def crowded_table(users_of_every_size):
    # A table of a few thousand rows is read whole faster than through any
    # index; with other users' tasks around, as in production, it is not.
    crowd = Task.objects.create(user=users_of_every_size[10], title="x").user
    Task.objects.bulk_create(planned_task(crowd, i) for i in range(20_000))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum does in production: GIN indexes take new
            # entries into a pending list, which the planner costs as read
            # whole, until a vacuum merges it.
            cursor.execute("SELECT gin_clean_pending_list('task_tags_idx'), gin_clean_pending_list('task_text_idx')")
        cursor.execute("ANALYZE")
    return users_of_every_size


@pytest.mark.parametrize("search", SEARCHES)
@pytest.mark.parametrize("sort", ["due", "-created_at"])
def test_a_tag_or_a_search_reads_only_matching_tasks_on_postgresql_and_one_index_on_sqlite(
    crowded_table, search, sort
):
    user = crowded_table[3_000]

    for after in first_and_deep(user, sort, SEARCHES[search]):
        plan = plan_of(False, user_id=user.pk, credential=SIGNATURE_ONLY, filters=SEARCHES[search], sort=sort, after=after, limit=100)

        if connection.vendor == "postgresql":
            # The matching tasks from the GIN index (with the user's, from
            # theirs), then a top-N sort of those few: no order to give. Or,
            # where the planner expects few rows left after the cursor, the
            # sort's index from the cursor on.
            in_order = uses(plan, indexes_for(sort, None, 3_000)) and "Sort" not in plan
            assert uses(plan, {GIN_INDEXES[search]}) or in_order, plan
            assert "Seq Scan on tasks_task" not in plan, plan
        else:
            assert uses(plan, indexes_for(sort, None, 3_000)), plan
            assert "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("prepared", [False, True], ids=["as run", "generic"])
def test_a_page_checks_its_caller_once_not_once_per_row(users_of_every_size, prepared):
    user = users_of_every_size[10]
    session = Session.objects.create(user=user)

    plan = plan_of(prepared, user_id=user.pk, credential=Credential(session_id=session.pk), limit=100)

    if connection.vendor == "postgresql":
        # The check runs before the scan (an InitPlan), and the scan joins nothing.
        assert "One-Time Filter" in plan, plan
        assert "Nested Loop" not in plan.split("One-Time Filter")[1], plan
    else:
        assert "SUBQUERY" in plan and "CORRELATED" not in plan, plan


# Lists whose best plan does not depend on the filters' values, and ones whose does.
KEPT_PLANS = {
    "no filter": TaskFilters(),
    "completed": TaskFilters(completed=False),
    "has_due": TaskFilters(has_due=True),
}
PER_RUN_PLANS = {
    "tag": TaskFilters(tags=("rare",)),
    "q": TaskFilters(q="needle"),
    "priority": TaskFilters(priorities=(Priority.HIGH,)),
    "due_from": TaskFilters(due_from=date(2026, 1, 1)),
    "due_to": TaskFilters(due_to=date(2026, 1, 1)),
    "overdue": TaskFilters(overdue=True),
}


@pytest.mark.parametrize("sort", ["-created_at", "due"])
@pytest.mark.parametrize("name", [*KEPT_PLANS, *PER_RUN_PLANS])
def test_a_list_run_again_keeps_one_generic_plan_unless_its_values_decide_the_plan(make_user, name, sort):
    user = make_user()
    Task.objects.bulk_create(planned_task(user, i) for i in range(10))
    query = {
        "user_id": user.pk,
        "credential": Credential(session_id=Session.objects.create(user=user).pk),
        "filters": {**KEPT_PLANS, **PER_RUN_PLANS}[name],
        "sort": sort,
        "limit": 100,
    }
    planned_per_run = []

    def record(execute, sql, params, many, context):
        planned_per_run.append(_planned_per_run.get())
        return execute(sql, params, many, context)

    # Past psycopg's prepare threshold (settings: 5 runs of a statement on a connection).
    with connection.execute_wrapper(record):
        for _ in range(8):
            task_list(**query)

    assert planned_per_run == [name in PER_RUN_PLANS] * 8
    if connection.vendor == "postgresql":
        sql, _ = statement_of(**query)
        numbered = iter(range(1, sql.count("%s") + 1))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = %s",
                [re.sub("%s", lambda _: f"${next(numbered)}", sql)],
            )
            prepared = cursor.fetchall()
        if name in PER_RUN_PLANS or connection.settings_dict["OPTIONS"].get("prepare_threshold") is None:
            # Never prepared: planned with each run's values (behind a
            # transaction-mode pooler, settings prepare nothing at all).
            assert prepared == [], prepared
        else:
            # Prepared once and planned once for every run since, never for one run's values.
            (generic, custom), = prepared
            assert generic >= 1 and custom == 0, prepared


@pytest.mark.parametrize("write", ["rename", "delete"])
def test_a_tags_rename_and_deletion_are_planned_for_the_tag_each_time(make_user, write):
    user = make_user()
    tasks = Task.objects.bulk_create(planned_task(user, i) for i in range(100))
    planned_per_run = []

    def record(execute, sql, params, many, context):
        if "tasks_task.tags" in sql:
            planned_per_run.append(_planned_per_run.get())
        return execute(sql, params, many, context)

    for i in range(8):
        if write == "delete":
            Task.objects.filter(pk=tasks[i].pk).update(tags=["gone"])
        with connection.execute_wrapper(record):
            if write == "rename":
                tag_rename(user_id=user.pk, name=["rare", "seldom"][i % 2], new_name=["seldom", "rare"][i % 2])
            else:
                tag_delete(user_id=user.pk, name="gone")

    assert planned_per_run and all(planned_per_run), planned_per_run
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%tasks_task.tags @>%'")
            assert cursor.fetchall() == []
