from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from model_bakery import baker

from tasks.models import Task
from tasks.services import task_bulk_set_completed
from users.models import User
from users.services import user_grant_support

TASK_LIST = "/admin/tasks/task/"
USER_LIST = "/admin/users/user/"


@pytest.fixture
def staff(make_user) -> User:
    """A support person: staff with the Support group's permissions, not a superuser."""
    support = make_user("support@example.com")
    user_grant_support(user=support)
    return support


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def admin_pages(task: Task) -> list[str]:
    return [
        "/admin/",
        TASK_LIST,
        f"/admin/tasks/task/{task.pk}/change/",
        "/admin/tasks/task/add/",
        USER_LIST,
        f"/admin/users/user/{task.user_id}/change/",
    ]


def test_every_admin_page_renders_for_staff(staff_client, task):
    for url in admin_pages(task):
        response = staff_client.get(url)
        assert response.status_code == 200, url


def test_task_timestamps_are_shown_but_not_editable(staff_client, task):
    created_at = task.created_at
    change_url = f"/admin/tasks/task/{task.pk}/change/"
    form = {"user": task.user_id, "title": "Buy milk", "description": "", "created_at": "2001-01-01 00:00:00"}

    page = staff_client.get(change_url).content.decode()
    response = staff_client.post(change_url, form)

    for name in ("completed_at", "created_at", "updated_at"):
        assert f'name="{name}"' not in page
        assert f"field-{name}" in page
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.created_at == created_at


def test_support_staff_see_users_but_cannot_add_or_change_them(staff_client, user):
    change_url = f"/admin/users/user/{user.pk}/change/"

    assert staff_client.get("/admin/users/user/add/").status_code == 403
    response = staff_client.post(change_url, {"email": "ada@example.com", "is_superuser": "on"})

    assert response.status_code == 403
    user.refresh_from_db()
    assert user.is_superuser is False


@pytest.mark.parametrize("signed_in", [True, False], ids=["non-staff user", "anonymous visitor"])
def test_admin_pages_send_non_staff_to_the_login_page(client, user, task, signed_in):
    if signed_in:
        client.force_login(user)

    for url in admin_pages(task):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url


def test_task_list_shows_owner_email_and_completion(staff_client, task):
    task_bulk_set_completed(tasks=Task.objects.filter(pk=task.pk), completed=True)

    content = staff_client.get(TASK_LIST).content.decode()

    assert "Buy milk" in content
    assert "ada@example.com" in content
    assert 'alt="True"' in content


def test_user_list_shows_each_users_task_count(staff_client, user, other_user):
    baker.make(Task, user=user, _quantity=3)

    response = staff_client.get(USER_LIST)

    counts = {row.email: row.task_count for row in response.context["cl"].result_list}
    assert counts == {"ada@example.com": 3, "bob@example.com": 0, "support@example.com": 0}


def test_task_search_matches_title_and_owner_email(staff_client, task, other_task):
    by_title = staff_client.get(TASK_LIST, {"q": "milk"}).context["cl"].result_list
    by_owner = staff_client.get(TASK_LIST, {"q": "bob@"}).context["cl"].result_list

    assert list(by_title) == [task]
    assert list(by_owner) == [other_task]


def test_task_list_filters_by_completion(staff_client, task, other_task):
    task_bulk_set_completed(tasks=Task.objects.filter(pk=other_task.pk), completed=True)

    done = staff_client.get(TASK_LIST, {"completed__exact": "1"}).context["cl"].result_list
    open_ = staff_client.get(TASK_LIST, {"completed__exact": "0"}).context["cl"].result_list

    assert list(done) == [other_task]
    assert list(open_) == [task]


def test_task_list_filters_by_created_and_updated_date(staff_client, task, other_task):
    month_ago = timezone.now() - timedelta(days=30)
    Task.objects.filter(pk=other_task.pk).update(created_at=month_ago, updated_at=month_ago)
    # The "Past 7 days" choice of the admin's date filters.
    week_ago = str(timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=7))

    for field in ("created_at", "updated_at"):
        recent = staff_client.get(TASK_LIST, {f"{field}__gte": week_ago}).context["cl"].result_list
        assert list(recent) == [task], field


def run_action(staff_client, action: str, tasks: list[Task]):
    return staff_client.post(
        TASK_LIST,
        {"action": action, "_selected_action": [t.pk for t in tasks]},
        follow=True,
    )


def test_mark_complete_action_completes_the_selection_in_one_update(staff_client, user):
    selected = baker.make(Task, user=user, _quantity=3)
    untouched = baker.make(Task, user=user)
    before = timezone.now()

    with CaptureQueriesContext(connection) as queries:
        response = run_action(staff_client, "mark_complete", selected)

    assert "Marked 3 task(s) complete." in response.content.decode()
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "tasks_task"')]
    assert len(updates) == 1
    for task in selected:
        task.refresh_from_db()
        assert task.completed is True
        assert task.completed_at >= before
        assert task.updated_at >= before
    untouched.refresh_from_db()
    assert (untouched.completed, untouched.completed_at) == (False, None)


def test_mark_complete_keeps_when_an_already_completed_task_was_completed(staff_client, task):
    task_bulk_set_completed(tasks=Task.objects.filter(pk=task.pk), completed=True)
    task.refresh_from_db()
    first_completed_at = task.completed_at

    run_action(staff_client, "mark_complete", [task])

    task.refresh_from_db()
    assert task.completed_at == first_completed_at
    assert task.updated_at > first_completed_at


def test_mark_incomplete_action_clears_completion(staff_client, user):
    selected = baker.make(Task, user=user, _quantity=2)
    task_bulk_set_completed(tasks=Task.objects.all(), completed=True)
    before = timezone.now()

    response = run_action(staff_client, "mark_incomplete", selected)

    assert "Marked 2 task(s) incomplete." in response.content.decode()
    for task in Task.objects.all():
        assert (task.completed, task.completed_at) == (False, None)
        assert task.updated_at >= before


def changelist_query_count(staff_client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(TASK_LIST)
    assert response.status_code == 200
    return len(queries)


def test_task_changelist_costs_the_same_queries_for_10_and_100_tasks(staff_client, make_user):
    owners = [make_user(f"owner{i}@example.com") for i in range(10)]
    for owner in owners:
        baker.make(Task, user=owner)
    with_10 = changelist_query_count(staff_client)

    for owner in owners:
        baker.make(Task, user=owner, _quantity=9)
    with_100 = changelist_query_count(staff_client)

    assert Task.objects.count() == 100
    assert with_100 == with_10


def test_user_changelist_costs_the_same_queries_for_few_and_many_users(staff_client, make_user):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(USER_LIST).status_code == 200
        return len(queries)

    owners = [make_user(f"owner{i}@example.com") for i in range(5)]
    baker.make(Task, user=owners[0], _quantity=3)
    with_few = count()
    for i in range(5, 50):
        baker.make(Task, user=make_user(f"owner{i}@example.com"), _quantity=2)

    assert count() == with_few
