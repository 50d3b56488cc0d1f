import pytest
from django.urls import reverse

from tasks.models import Task
from users.models import User

PAGES = [
    ("admin:users_user_changelist", None),
    ("admin:users_user_add", None),
    ("admin:users_user_change", "user"),
    ("admin:tasks_task_changelist", None),
    ("admin:tasks_task_add", None),
    ("admin:tasks_task_change", "task"),
]


@pytest.fixture
def staff(make_user):
    return make_user("staff@example.com", is_staff=True, is_superuser=True)


def page_url(name, arg, user, task):
    return reverse(name, args=[{"user": user, "task": task}[arg].pk] if arg else [])


@pytest.mark.parametrize("name, arg", PAGES)
def test_admin_pages_render_for_staff(client, staff, user, task, name, arg):
    client.force_login(staff)

    response = client.get(page_url(name, arg, user, task))

    assert response.status_code == 200
    assert b"<form" in response.content or b"result_list" in response.content


@pytest.mark.parametrize("name, arg", PAGES)
def test_admin_pages_are_refused_to_non_staff(client, user, task, name, arg):
    client.force_login(user)

    response = client.get(page_url(name, arg, user, task))

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_user_page_shows_the_users_tasks_inline(client, staff, user, task):
    client.force_login(staff)

    response = client.get(reverse("admin:users_user_change", args=[user.pk]))

    assert task.title in response.content.decode()


def test_admin_search_finds_tasks_by_owner_email(client, staff, task, other_task):
    client.force_login(staff)

    response = client.get(reverse("admin:tasks_task_changelist"), {"q": "bob@"})

    assert list(response.context["cl"].result_list) == [other_task]


def test_completing_a_task_in_the_admin_sets_completed_at(client, staff, task):
    client.force_login(staff)
    form = {"user": task.user_id, "title": task.title, "description": task.description, "completed": "on"}

    response = client.post(reverse("admin:tasks_task_change", args=[task.pk]), form)

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.completed and task.completed_at is not None


def test_staff_can_create_a_user_in_the_admin_with_a_normalised_email(client, staff):
    client.force_login(staff)
    form = {
        "email": "New@Example.com",
        "usable_password": "true",
        "password1": "a long enough pass",
        "password2": "a long enough pass",
        # The tasks inline's management form, as the browser sends it.
        "tasks-TOTAL_FORMS": "0",
        "tasks-INITIAL_FORMS": "0",
    }

    response = client.post(reverse("admin:users_user_add"), form)

    assert response.status_code == 302
    assert User.objects.filter(email="new@example.com").exists()


def test_the_admin_cannot_store_a_title_the_api_would_refuse(client, staff, task):
    client.force_login(staff)
    form = {"user": task.user_id, "title": "t" * 201, "description": ""}

    response = client.post(reverse("admin:tasks_task_change", args=[task.pk]), form)

    assert response.status_code == 200
    assert Task.objects.get(pk=task.pk).title == "Buy milk"
