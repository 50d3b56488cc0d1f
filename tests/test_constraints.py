"""The database refuses what the API refuses, whoever writes (admin, scripts, shells)."""

from datetime import date, time

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from tasks.models import Task
from users.models import User


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "t" * 201},
        {"title": ""},
        {"description": "d" * 1001},
        {"completed": True, "completed_at": None},
        {"completed": False, "completed_at": timezone.now()},
        {"priority": 4},
        {"due_time": time(9, 0)},
        {"tags": [f"tag{i}" for i in range(21)]},
        {"tags": "work"},
        {"tags": {"work": 1}},
    ],
    ids=[
        "long title",
        "empty title",
        "long description",
        "completed without time",
        "open with time",
        "unknown priority",
        "due time without a date",
        "21 tags",
        "tags not an array",
        "tags an object",
    ],
)
def test_the_database_refuses_a_task_the_api_would_refuse(user, fields):
    # PostgreSQL's varchar(200) refuses a long title before the check does
    # (DataError), and jsonb_array_length a non-array.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Task.objects.create(user=user, **{"title": "ok", **fields})


def test_the_database_keeps_what_the_api_allows_at_its_limits(user):
    task = Task.objects.create(
        user=user, title="ok", priority=3, tags=[f"tag{i}" for i in range(20)], due_date=date(2026, 1, 1), due_time=time(9, 0)
    )

    task.refresh_from_db()
    assert (task.priority, len(task.tags), task.due_time) == (3, 20, time(9, 0))


def test_clearing_the_due_date_of_a_timed_task_is_refused_by_the_database(user):
    task = Task.objects.create(user=user, title="ok", due_date=date(2026, 1, 1), due_time=time(9, 0))

    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.filter(pk=task.pk).update(due_date=None)


def test_the_database_refuses_an_email_that_is_not_lower_case(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="Ada@Example.com")


def test_emails_are_unique_whatever_their_case(make_user):
    make_user("ada@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="ADA@EXAMPLE.COM", password="x")


def test_deleting_a_user_deletes_their_tasks(user, task, other_task):
    user.delete()

    assert list(Task.objects.all()) == [other_task]


def test_tasks_are_listed_by_an_index_on_user_and_newest_first(db):
    [index] = [i for i in Task._meta.indexes if i.name == "task_user_newest_idx"]

    assert index.fields == ["user", "-created_at", "-id"]


# Indexes on expressions are None in the columns.
EXPRESSION_INDEXES = {
    "task_user_title_idx": ["user_id", None, "created_at", "id"],
    "task_user_status_title_idx": ["user_id", "completed", None, "created_at", "id"],
}


def task_indexes() -> dict[str, list[str | None]]:
    with connection.cursor() as cursor:
        if connection.vendor != "sqlite":
            constraints = connection.introspection.get_constraints(cursor, Task._meta.db_table)
            return {name: c["columns"] for name, c in constraints.items() if c["index"]}
        # Django's SQLite introspection cannot parse an index on lower("title").
        cursor.execute("SELECT name FROM pragma_index_list('tasks_task')")
        names = [name for (name,) in cursor.fetchall()]
        indexes = {}
        for name in names:
            cursor.execute("SELECT name FROM pragma_index_info(%s) ORDER BY seqno", [name])
            indexes[name] = [column for (column,) in cursor.fetchall()]
        return indexes


def test_no_index_on_user_alone_competes_with_the_newest_first_one(db):
    indexes_on_user = {name: columns for name, columns in task_indexes().items() if columns[:1] == ["user_id"]}

    assert indexes_on_user == {
        "task_user_newest_idx": ["user_id", "created_at", "id"],
        "task_user_status_newest_idx": ["user_id", "completed", "created_at", "id"],
        "task_idempotency_key_unique": ["user_id", "idempotency_key"],
        # The change feed's order; its first page is every task, in no list's order.
        "task_user_change_idx": ["user_id", "change_seq", "id"],
        # One per sort, and one per sort after `completed` (tasks/models.py).
        "task_user_due_idx": ["user_id", "due_rank", "created_at", "id"],
        "task_user_status_due_idx": ["user_id", "completed", "due_rank", "created_at", "id"],
        "task_user_priority_idx": ["user_id", "priority", "created_at", "id"],
        "task_user_status_priority_idx": ["user_id", "completed", "priority", "created_at", "id"],
        "task_user_updated_idx": ["user_id", "updated_at", "created_at", "id"],
        "task_user_status_updated_idx": ["user_id", "completed", "updated_at", "created_at", "id"],
        **EXPRESSION_INDEXES,
    }


def test_tags_and_text_have_gin_indexes_on_postgresql(db):
    expected = {"task_tags_idx": ["tags"], "task_text_idx": []} if connection.vendor == "postgresql" else {}

    assert {name: columns for name, columns in task_indexes().items() if name in {"task_tags_idx", "task_text_idx"}} == expected


def test_the_text_index_keeps_a_histogram_fine_enough_for_a_word_in_one_task_in_a_hundred(db):
    # tasks/migrations/0006_text_statistics.py says why; SQLite has no such index.
    targets = {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'task_text_idx'::regclass AND attnum = 1"
            )
            targets["task_text_idx"] = cursor.fetchone()[0]

    assert targets == ({"task_text_idx": 1000} if connection.vendor == "postgresql" else {})
