import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from model_bakery import baker

from signin.models import Session
from signin.services import personal_token_create, session_start
from tasks.models import Task
from tests.conftest import PASSWORD
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


def test_the_user_page_links_to_the_users_tasks_and_only_theirs(client, staff, user, task, other_task):
    baker.make(Task, user=user, title="Call mum")
    client.force_login(staff)

    page = client.get(reverse("admin:users_user_change", args=[user.pk])).content.decode()
    link = re.search(r'<a href="([^"]+)">2 task\(s\)</a>', page)
    listed = client.get(html.unescape(link.group(1)))

    assert listed.status_code == 200
    assert {t.user_id for t in listed.context["cl"].result_list} == {user.pk}
    assert listed.context["cl"].result_count == 2


def user_page(client, user) -> tuple[int, int]:
    """The user's change page as (queries it cost, form fields it sends back)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:users_user_change", args=[user.pk]))
    assert response.status_code == 200
    return len(queries), len(re.findall(r"<(?:input|select|textarea)[^>]* name=", response.content.decode()))


def test_the_user_page_costs_the_same_for_one_task_and_a_thousand(client, staff, user, task):
    client.force_login(staff)
    with_one = user_page(client, user)

    Task.objects.bulk_create(Task(user=user, title=f"Task {i}") for i in range(999))

    assert user.tasks.count() == 1000
    # An inline of the tasks put three fields a task on this page, so past a
    # few hundred tasks the form exceeded DATA_UPLOAD_MAX_NUMBER_FIELDS and
    # could not be saved.
    assert user_page(client, user) == with_one


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


def test_the_admin_refuses_an_email_too_long_once_lower_cased(client, staff):
    client.force_login(staff)
    form = {
        "email": "a@" + "İ" * 63 + "." + "İ" * 63 + ".com",
        "usable_password": "true",
        "password1": "a long enough pass",
        "password2": "a long enough pass",
    }

    response = client.post(reverse("admin:users_user_add"), form)

    assert response.status_code == 200
    assert "at most 254 characters" in html.unescape(response.content.decode())
    assert list(User.objects.values_list("email", flat=True)) == ["staff@example.com"]


def test_the_task_list_shows_and_filters_the_planning_fields(client, staff, user, other_user):
    tagged = baker.make(Task, user=user, title="Tagged", tags=["work", "home"], priority=3)
    baker.make(Task, user=user, title="Untagged", priority=0)
    baker.make(Task, user=other_user, title="Theirs", tags=["work"])
    client.force_login(staff)
    url = reverse("admin:tasks_task_changelist")

    by_tag = client.get(url, {"tag": "Work", "user__id__exact": user.pk})
    by_priority = client.get(url, {"priority__exact": 3})
    by_search = client.get(url, {"q": "home"})

    assert list(by_tag.context["cl"].result_list) == [tagged]
    assert b'?tag=home' in by_tag.content and b"work" in by_tag.content
    assert list(by_priority.context["cl"].result_list) == [tagged]
    assert list(by_search.context["cl"].result_list) == [tagged]


def test_the_admin_stores_tags_as_the_api_would(client, staff, task):
    client.force_login(staff)
    form = {"user": task.user_id, "title": task.title, "description": "", "priority": 2, "tags": '[" Work ", "WORK", "home"]'}

    response = client.post(reverse("admin:tasks_task_change", args=[task.pk]), form)

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.tags, task.priority) == (["work", "home"], 2)


def test_the_admin_cannot_store_a_due_time_without_a_date(client, staff, task):
    client.force_login(staff)
    form = {"user": task.user_id, "title": task.title, "description": "", "due_time": "09:00"}

    response = client.post(reverse("admin:tasks_task_change", args=[task.pk]), form)

    assert response.status_code == 200
    assert Task.objects.get(pk=task.pk).due_time is None


@pytest.mark.parametrize("password_sign_in", ["true", "false"])
def test_staff_changing_a_users_password_ends_every_session_of_the_user(client, staff, user, password_sign_in):
    signed_in = [session_start(user=user) for _ in range(2)]
    _, script_token = personal_token_create(user_id=user.pk, name="script", expires_in_days=None)
    client.force_login(staff)
    form = {"usable_password": password_sign_in, "password1": "a new long pass", "password2": "a new long pass"}
    if password_sign_in == "false":
        form["unset-password"] = ""  # the page's "Disable password-based authentication" button

    response = client.post(reverse("admin:auth_user_password_change", args=[user.pk]), form)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.has_usable_password() == (password_sign_in == "true")
    assert not user.check_password(PASSWORD)
    assert not Session.objects.filter(user=user, ended_at__isnull=True).exists()
    assert set(Session.objects.filter(user=user).values_list("ended_because", flat=True)) == {"password"}
    for session in signed_in:
        bearer = {"Authorization": f"Bearer {session.access_token}"}
        assert client.get("/api/auth/me", headers=bearer).status_code == 401
        refreshed = client.post("/api/auth/refresh", {"refresh_token": session.refresh_token}, "application/json")
        assert refreshed.status_code == 401
    # Revoked one by one, as after the user's own change.
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {script_token}"}).status_code == 200


def test_a_refused_password_change_in_the_admin_ends_no_session(client, staff, user):
    session_start(user=user)
    client.force_login(staff)
    form = {"usable_password": "true", "password1": "a new long pass", "password2": "another pass"}

    response = client.post(reverse("admin:auth_user_password_change", args=[user.pk]), form)

    assert response.status_code == 200
    assert Session.objects.filter(user=user, ended_at__isnull=True).count() == 1
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
