"""Strong ETags and If-Match / If-None-Match: two clients editing one task
can no longer silently overwrite each other."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks.models import Task
from tests.conftest import bearer
from tests.test_query_counts import on_this_backend


def url(task: Task, suffix: str = "") -> str:
    return f"/api/{task.user_id}/tasks/{task.pk}{suffix}"


def etag_of(client, auth, task) -> str:
    return client.get(url(task), headers=auth)["ETag"]


WRITES = [
    ("put", "", {"title": "Mine"}),
    ("patch", "", {"title": "Mine"}),
    ("patch", "/complete", None),
    ("patch", "/complete", {"completed": True}),
    ("delete", "", None),
]


def send(client, method, path, body, headers):
    if body is None:
        return getattr(client, method)(path, headers=headers)
    return getattr(client, method)(path, body, content_type="application/json", headers=headers)


def test_every_single_task_response_carries_a_strong_etag_of_its_current_version(client, user, auth, task):
    created = client.post(f"/api/{user.pk}/tasks", {"title": "x"}, content_type="application/json", headers=auth)
    got = client.get(url(task), headers=auth)
    patched = client.patch(url(task), {"title": "y"}, content_type="application/json", headers=auth)
    toggled = client.patch(url(task, "/complete"), headers=auth)

    for response in (created, got, patched, toggled):
        assert response["ETag"].startswith('"') and not response["ETag"].startswith("W/")
    assert len({got["ETag"], patched["ETag"], toggled["ETag"]}) == 3
    assert toggled["ETag"] == etag_of(client, auth, task)


def test_the_etag_changes_when_staff_change_the_task_in_the_admin(client, auth, task, make_user):
    before = etag_of(client, auth, task)
    staff = make_user("staff@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)

    form = {"user": task.user_id, "title": "Fixed by support", "description": ""}
    client.post(reverse("admin:tasks_task_change", args=[task.pk]), form)
    after_edit = etag_of(client, auth, task)
    client.post(
        reverse("admin:tasks_task_changelist"),
        {"action": "mark_complete", "_selected_action": [task.pk]},
    )

    assert len({before, after_edit, etag_of(client, auth, task)}) == 3


def test_get_with_the_current_etag_in_if_none_match_is_304_without_a_body(client, auth, task):
    etag = etag_of(client, auth, task)

    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = client.get(url(task), headers={**auth, "If-None-Match": header})
        assert response.status_code == 304
        assert response.content == b""
        assert response["ETag"] == etag


def test_get_with_a_stale_if_none_match_returns_the_task(client, auth, task):
    stale = etag_of(client, auth, task)
    client.patch(url(task), {"title": "new"}, content_type="application/json", headers=auth)

    response = client.get(url(task), headers={**auth, "If-None-Match": stale})

    assert response.status_code == 200
    assert response.json()["title"] == "new"


@pytest.mark.parametrize("method, suffix, body", WRITES)
def test_a_write_with_a_stale_if_match_is_refused_and_changes_nothing(client, auth, task, method, suffix, body):
    stale = etag_of(client, auth, task)
    client.patch(url(task), {"description": "theirs"}, content_type="application/json", headers=auth)
    before = list(Task.objects.values())

    response = send(client, method, url(task, suffix), body, {**auth, "If-Match": stale})

    assert response.status_code == 412
    assert "If-Match" in response.json()["detail"]
    assert list(Task.objects.values()) == before


@pytest.mark.parametrize("if_match", ["current", "*", 'W/"x", current'])
def test_a_write_with_a_matching_if_match_goes_through(client, auth, task, if_match):
    header = if_match.replace("current", etag_of(client, auth, task))

    response = client.patch(url(task), {"title": "Mine"}, content_type="application/json", headers={**auth, "If-Match": header})

    assert response.status_code == 200
    assert Task.objects.get(pk=task.pk).title == "Mine"


def test_a_weak_etag_never_satisfies_if_match(client, auth, task):
    weak = "W/" + etag_of(client, auth, task)

    response = client.delete(url(task), headers={**auth, "If-Match": weak})

    assert response.status_code == 412
    assert Task.objects.filter(pk=task.pk).exists()


def test_an_unparseable_if_match_matches_nothing(client, auth, task):
    response = client.patch(url(task, "/complete"), headers={**auth, "If-Match": "not-a-tag"})

    assert response.status_code == 412
    assert not Task.objects.get(pk=task.pk).completed


def test_a_conditional_toggle_flips_and_returns_the_new_etag(client, auth, task):
    etag = etag_of(client, auth, task)

    response = client.patch(url(task, "/complete"), headers={**auth, "If-Match": etag})

    assert response.status_code == 200
    assert response.json()["completed"] is True
    assert response["ETag"] == etag_of(client, auth, task) != etag


def test_a_conditional_delete_of_another_users_task_is_not_found(client, auth, user, other_task):
    response = client.delete(f"/api/{user.pk}/tasks/{other_task.pk}", headers={**auth, "If-Match": "*"})

    assert response.status_code == 404
    assert Task.objects.filter(pk=other_task.pk).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "method, suffix, body, queries",
    [
        ("patch", "", {"title": "x"}, on_this_backend(1)),
        ("patch", "/complete", None, on_this_backend(1)),
        ("delete", "", None, on_this_backend(1, deletes=True)),
    ],
)
def test_a_conditional_write_costs_no_extra_query(client, user, task, method, suffix, body, queries, django_assert_num_queries):
    headers = {**bearer(user), "If-Match": etag_of(client, bearer(user), task)}

    with django_assert_num_queries(queries):
        if body is None:
            response = getattr(client, method)(url(task, suffix), headers=headers)
        else:
            response = getattr(client, method)(url(task, suffix), body, content_type="application/json", headers=headers)

    assert response.status_code in (200, 204)


@pytest.mark.parametrize("method, suffix, body", WRITES)
@pytest.mark.parametrize("if_none_match", ["*", "current", 'W/current', '"other", current'])
def test_a_write_whose_if_none_match_names_the_task_is_refused_and_changes_nothing(
    client, auth, task, method, suffix, body, if_none_match
):
    header = if_none_match.replace("current", etag_of(client, auth, task))
    before = list(Task.objects.values())

    response = send(client, method, url(task, suffix), body, {**auth, "If-None-Match": header})

    assert response.status_code == 412
    assert "If-None-Match" in response.json()["detail"]
    assert list(Task.objects.values()) == before


@pytest.mark.parametrize("method, suffix, body", WRITES)
def test_a_write_with_if_none_match_star_on_a_missing_task_is_not_found(client, auth, user, other_task, method, suffix, body):
    before = list(Task.objects.values())

    for path in (f"/api/{user.pk}/tasks/{other_task.pk + 1000}{suffix}", f"/api/{user.pk}/tasks/{other_task.pk}{suffix}"):
        response = send(client, method, path, body, {**auth, "If-None-Match": "*"})
        assert response.status_code == 404
    assert list(Task.objects.values()) == before


@pytest.mark.parametrize("method, suffix, body", WRITES)
def test_a_write_whose_if_none_match_names_only_other_versions_goes_through(client, auth, task, method, suffix, body):
    stale = etag_of(client, auth, task)
    client.patch(url(task), {"description": "theirs"}, content_type="application/json", headers=auth)
    theirs = Task.objects.get(pk=task.pk).updated_at

    response = send(client, method, url(task, suffix), body, {**auth, "If-None-Match": f'{stale}, "1"'})

    assert response.status_code == (204 if method == "delete" else 200)
    if method == "delete":
        assert not Task.objects.filter(pk=task.pk).exists()
    else:
        assert Task.objects.get(pk=task.pk).updated_at > theirs


def test_with_both_preconditions_the_one_that_fails_is_named(client, auth, task):
    current = etag_of(client, auth, task)

    response = client.patch(url(task, "/complete"), headers={**auth, "If-Match": current, "If-None-Match": current})

    assert response.status_code == 412
    assert "If-None-Match" in response.json()["detail"]
    assert not Task.objects.get(pk=task.pk).completed


def test_if_match_and_if_none_match_are_both_declared_on_every_write(client):
    operations = client.get("/api/openapi.json").json()["paths"]
    for path, method in [
        ("/api/{user_id}/tasks/{task_id}", "put"),
        ("/api/{user_id}/tasks/{task_id}", "patch"),
        ("/api/{user_id}/tasks/{task_id}", "delete"),
        ("/api/{user_id}/tasks/{task_id}/complete", "patch"),
    ]:
        headers = {p["name"] for p in operations[path][method]["parameters"] if p["in"] == "header"}
        assert {"If-Match", "If-None-Match"} <= headers, (path, method)


# Writes that change a task without a body of their own to compare (each a new version).
VERSIONING_WRITES = [write for write in WRITES if write[0] != "delete"]


@pytest.mark.parametrize("method, suffix, body", VERSIONING_WRITES)
def test_two_writes_in_one_microsecond_still_make_two_versions(client, auth, task, method, suffix, body, monkeypatch):
    stopped = timezone.now()
    monkeypatch.setattr("tasks.services.timezone.now", lambda: stopped)
    first = send(client, method, url(task, suffix), body, auth)
    second = send(client, method, url(task, suffix), body, auth)

    assert first.status_code == second.status_code == 200
    assert first["ETag"] != second["ETag"]
    assert first.json()["updated_at"] < second.json()["updated_at"]
    stale = send(client, method, url(task, suffix), body, {**auth, "If-Match": first["ETag"]})
    assert stale.status_code == 412
    assert etag_of(client, auth, task) == second["ETag"]


def test_a_write_whose_clock_reads_earlier_than_the_tasks_version_still_moves_it_forward(client, auth, task, monkeypatch):
    before = client.get(url(task), headers=auth).json()["updated_at"]
    late = timezone.now() - timedelta(hours=1)
    monkeypatch.setattr("tasks.services.timezone.now", lambda: late)
    toggled = client.patch(url(task, "/complete"), headers=auth)

    assert toggled.status_code == 200
    assert toggled.json()["updated_at"] > before
    assert toggled["ETag"] == etag_of(client, auth, task)


def test_a_tag_rename_and_a_bulk_completion_move_each_version_forward_on_a_stopped_clock(client, auth, user, monkeypatch):
    created = client.post(
        f"/api/{user.pk}/tasks", {"title": "Tagged", "tags": ["home"]}, content_type="application/json", headers=auth
    )
    task = Task.objects.get(pk=created.json()["id"])
    stopped = timezone.now()
    monkeypatch.setattr("tasks.services.timezone.now", lambda: stopped)
    versions = [etag_of(client, auth, task)]
    client.patch(f"/api/{user.pk}/tags/home", {"name": "house"}, content_type="application/json", headers=auth)
    versions.append(etag_of(client, auth, task))
    client.post(
        f"/api/{user.pk}/tasks/bulk", {"action": "complete", "ids": [task.pk]}, content_type="application/json",
        headers=auth,
    )
    versions.append(etag_of(client, auth, task))

    assert len(set(versions)) == 3
