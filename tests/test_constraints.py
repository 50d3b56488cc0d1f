"""The database refuses what the API refuses, whoever writes (admin, scripts, shells)."""

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
    ],
    ids=["long title", "empty title", "long description", "completed without time", "open with time"],
)
def test_the_database_refuses_a_task_the_api_would_refuse(user, fields):
    # PostgreSQL's varchar(200) refuses a long title before the check does (DataError).
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Task.objects.create(user=user, **{"title": "ok", **fields})


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


def test_no_index_on_user_alone_competes_with_the_newest_first_one(db):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Task._meta.db_table)

    indexes_on_user = {
        name: c["columns"] for name, c in constraints.items() if c["index"] and c["columns"][0] == "user_id"
    }
    assert indexes_on_user == {
        "task_user_newest_idx": ["user_id", "created_at", "id"],
        "task_user_status_newest_idx": ["user_id", "completed", "created_at", "id"],
        "task_idempotency_key_unique": ["user_id", "idempotency_key"],
        # The change feed's order; its first page is every task, in no list's order.
        "task_user_change_idx": ["user_id", "change_seq", "id"],
    }
