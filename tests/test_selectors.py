"""The read selectors are SQL (tasks/selectors.py): they must answer exactly as
the ORM does, on every backend the suite runs on."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from signin.credentials import SIGNATURE_ONLY
from tasks.models import Priority, Task
from tasks.pagination import Position
from tasks.schemas import TaskOut
from tasks.selectors import LISTED_FIELDS, TaskFilters, list_binding, task_get, task_list
from tasks.services import task_create, task_set_completed, task_update

NOON = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def tasks(user, other_user) -> list[Task]:
    """Open and completed tasks, three of them created in the same microsecond."""
    created = [NOON, NOON, NOON, NOON - timedelta(seconds=1), NOON + timedelta(days=1), NOON - timedelta(days=400)]
    made = []
    for index, created_at in enumerate(created):
        completed = index % 2 == 0
        made.append(
            Task.objects.create(
                user=user,
                title=f"Task {index}",
                description="" if index == 1 else f"About {index}",
                completed=completed,
                completed_at=created_at + timedelta(minutes=5) if completed else None,
                priority=index % 4,
                tags=["work", f"t{index}"][: index % 3],
                due_date=date(2026, 3, index + 1) if index % 2 else None,
                due_time=time(9, index) if index == 3 else None,
            )
        )
        # auto_now_add ignores a given value: set it as the list would see it.
        Task.objects.filter(pk=made[-1].pk).update(created_at=created_at)
    Task.objects.create(user=other_user, title="Not theirs")
    return made


def as_listed(row: dict) -> dict:
    """The ORM's values as the API shows them: the priority's name, the time as HH:MM."""
    due_time = row["due_time"]
    return {**row, "priority": Priority(row["priority"]).label, "due_time": due_time and due_time.strftime("%H:%M")}


def orm_list(user, completed=None, after=None) -> list[dict]:
    query = Task.objects.filter(user=user).order_by("-created_at", "-id")
    if completed is not None:
        query = query.filter(completed=completed)
    rows = list(query.values(*LISTED_FIELDS))
    if after is not None:
        rows = [row for row in rows if (row["created_at"], row["id"]) < (after.created_at, after.id)]
    return [as_listed(row) for row in rows]


def test_every_page_is_the_orms_page_value_for_value(user, tasks):
    tied = Task.objects.get(pk=tasks[1].pk)
    for completed in (None, True, False):
        for after in (None, Position(None, tied.created_at, tied.pk), Position(None, NOON + timedelta(days=2), 1)):
            for limit in (1, 2, 100):
                page = task_list(
                    user_id=user.pk,
                    credential=SIGNATURE_ONLY,
                    filters=TaskFilters(completed=completed),
                    after=after,
                    limit=limit,
                )

                assert page.tasks == orm_list(user, completed, after)[:limit], (completed, after, limit)


def test_a_page_holds_the_types_the_orm_gives(user, tasks):
    row = next(row for row in task_list(user_id=user.pk, credential=SIGNATURE_ONLY, limit=100).tasks if row["completed"])

    assert type(row["id"]) is int and type(row["completed"]) is bool
    assert row["created_at"].tzinfo is not None and row["created_at"].utcoffset() == timedelta(0)
    assert row["completed_at"] == row["created_at"] + timedelta(minutes=5)


def test_a_listed_row_is_exactly_what_the_api_documents(user, tasks):
    # The list sends its rows to the renderer as they are (tasks/api.py).
    rows = task_list(user_id=user.pk, credential=SIGNATURE_ONLY, limit=100).tasks
    assert {row["due_time"] for row in rows} == {None, "09:03"} and {row["priority"] for row in rows} > {"none"}
    for row in rows:
        assert TaskOut.model_validate(row).model_dump() == row


def test_a_task_read_by_sql_equals_the_orms_and_is_exactly_what_the_api_documents(user, tasks):
    # The get sends it to the renderer as it is (tasks/api.py).
    for task in tasks:
        read = task_get(user_id=user.pk, credential=SIGNATURE_ONLY, task_id=task.pk)

        assert read == as_listed(Task.objects.filter(pk=task.pk).values(*LISTED_FIELDS).get())
        assert TaskOut.model_validate(read).model_dump() == read


def test_each_write_answers_the_task_as_the_get_reads_it_and_as_the_api_documents(user):
    # The writes' answers go to the renderer as they are too (tasks/api.py).
    created = task_create(
        user_id=user.pk, title="Plan", completed=True, priority=Priority.HIGH, tags=["work"],
        due_date=date(2026, 3, 2), due_time=time(9, 30),
    )
    updated = task_update(user_id=user.pk, task_id=created["id"], data={"title": "Planned", "due_date": None})
    toggled = task_set_completed(user_id=user.pk, task_id=created["id"], completed=None)

    assert (created["priority"], created["due_time"], updated["due_time"]) == ("high", "09:30", None)
    assert (created["completed"], updated["completed"], toggled["completed"]) == (True, True, False)
    assert toggled == task_get(user_id=user.pk, credential=SIGNATURE_ONLY, task_id=created["id"])
    for answer in (created, updated, toggled):
        assert TaskOut.model_validate(answer).model_dump() == answer


def test_another_users_task_is_not_found(user, other_task):
    with pytest.raises(Task.DoesNotExist):
        task_get(user_id=user.pk, credential=SIGNATURE_ONLY, task_id=other_task.pk)


def test_an_inactive_users_tasks_are_neither_listed_nor_found(user, tasks):
    user.is_active = False
    user.save()

    assert task_list(user_id=user.pk, credential=SIGNATURE_ONLY, limit=100).tasks == []
    with pytest.raises(Task.DoesNotExist):
        task_get(user_id=user.pk, credential=SIGNATURE_ONLY, task_id=tasks[0].pk)


def test_a_lists_cursor_binding_is_the_one_cursors_already_issued_carry():
    filters = TaskFilters(
        completed=True,
        priorities=(Priority.HIGH, Priority.LOW),
        tags=("a", "b"),
        q="x",
        due_from=date(2026, 1, 1),
        has_due=True,
    )

    # Hashes of the sort and filters as earlier releases computed them: a
    # change here refuses every cursor in clients' hands (422).
    assert list_binding(sort="due", filters=filters) == "ca2501961316184a"
    assert list_binding(sort="due", filters=TaskFilters()) == "89fbe0b306ead941"
