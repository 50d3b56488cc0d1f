from datetime import datetime

import pytest
from django.utils import timezone
from model_bakery import baker

from tasks.models import Priority, Task


def tasks_url(user_id: int) -> str:
    return f"/api/{user_id}/tasks"


def task_url(task: Task) -> str:
    return f"/api/{task.user_id}/tasks/{task.pk}"


def as_json_time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def representation(task: Task) -> dict:
    task.refresh_from_db()
    return {
        "id": task.pk,
        "user_id": task.user_id,
        "title": task.title,
        "description": task.description,
        "completed": task.completed,
        "completed_at": as_json_time(task.completed_at),
        "priority": Priority(task.priority).label,
        "tags": task.tags,
        "due_date": None if task.due_date is None else task.due_date.isoformat(),
        "due_time": None if task.due_time is None else task.due_time.strftime("%H:%M"),
        "created_at": as_json_time(task.created_at),
        "updated_at": as_json_time(task.updated_at),
    }


def send(client, method: str, url: str, auth, body=None):
    return getattr(client, method)(url, body, content_type="application/json", headers=auth)


# Create


def test_create_stores_the_task_and_answers_201_with_its_location(client, user, auth):
    response = send(client, "post", tasks_url(user.pk), auth, {"title": "  Buy milk \n", "description": "2 l"})

    assert response.status_code == 201
    task = Task.objects.get()
    assert (task.user, task.title, task.description, task.completed) == (user, "Buy milk", "2 l", False)
    assert task.completed_at is None
    assert response.json() == representation(task)
    assert response["Location"] == f"http://testserver/api/{user.pk}/tasks/{task.pk}"


def test_create_with_only_a_title_defaults_the_other_fields(client, user, auth):
    response = send(client, "post", tasks_url(user.pk), auth, {"title": "Call mum"})

    assert response.status_code == 201
    assert response.json()["description"] == ""
    assert response.json()["completed"] is False


def test_create_reads_a_null_description_as_empty(client, user, auth):
    response = send(client, "post", tasks_url(user.pk), auth, {"title": "x", "description": None})

    assert response.status_code == 201
    assert Task.objects.get().description == ""


def test_create_already_completed_sets_completed_at(client, user, auth):
    before = timezone.now()

    response = send(client, "post", tasks_url(user.pk), auth, {"title": "Done", "completed": True})

    task = Task.objects.get()
    assert response.status_code == 201
    assert task.completed and before <= task.completed_at <= timezone.now()


def test_a_task_created_completed_was_created_completed_and_updated_in_one_moment(client, user, auth):
    response = send(client, "post", tasks_url(user.pk), auth, {"title": "Done", "completed": True})

    task = Task.objects.get()
    assert task.completed_at == task.created_at == task.updated_at
    assert response.json() == representation(task)


def test_create_accepts_line_breaks_tabs_and_unicode_in_the_description(client, user, auth):
    description = "Line 1\nLine 2\r\n\tindented — ünïcødé 🥛"

    response = send(client, "post", tasks_url(user.pk), auth, {"title": "Ünïcødé 🥛", "description": description})

    assert response.status_code == 201
    assert Task.objects.get().description == description


def test_create_accepts_the_longest_title_and_description(client, user, auth):
    body = {"title": "t" * 200, "description": "d" * 1000}

    response = send(client, "post", tasks_url(user.pk), auth, body)

    assert response.status_code == 201
    assert len(Task.objects.get().title) == 200


# Read


def test_get_returns_the_task(client, auth, task):
    response = client.get(task_url(task), headers=auth)

    assert response.status_code == 200
    assert response.json() == representation(task)


def test_get_a_task_that_does_not_exist_is_not_found(client, user, auth):
    response = client.get(f"/api/{user.pk}/tasks/987654", headers=auth)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_list_returns_the_users_tasks_newest_first(client, user, auth):
    oldest, middle, newest = (baker.make(Task, user=user, title=f"t{i}") for i in range(3))

    response = client.get(tasks_url(user.pk), headers=auth)

    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == [newest.pk, middle.pk, oldest.pk]
    assert response.json()[0] == representation(newest)
    assert "Link" not in response


def test_every_listed_task_is_its_whole_representation(client, user, auth):
    tasks = [baker.make(Task, user=user, title="Open"), baker.make(Task, user=user, title="Done", description="")]
    assert client.patch(task_url(tasks[1]) + "/complete", headers=auth).status_code == 200

    response = client.get(tasks_url(user.pk), headers=auth)

    assert response.json() == [representation(task) for task in reversed(tasks)]
    assert response.json()[0]["completed_at"] is not None


def test_list_of_a_user_without_tasks_is_an_empty_array(client, user, auth):
    response = client.get(tasks_url(user.pk), headers=auth)

    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize("completed", [True, False])
def test_list_filters_by_completion(client, user, auth, completed):
    done = baker.make(Task, user=user, completed=True, completed_at=timezone.now())
    open_ = baker.make(Task, user=user, completed=False)

    response = client.get(tasks_url(user.pk), {"completed": str(completed).lower()}, headers=auth)

    assert [item["id"] for item in response.json()] == [done.pk if completed else open_.pk]


def _follow_all_pages(client, url, auth, params):
    ids, pages = [], 0
    response = client.get(url, params, headers=auth)
    while True:
        assert response.status_code == 200
        pages += 1
        ids += [item["id"] for item in response.json()]
        if "Link" not in response:
            return ids, pages
        next_url, rel = response["Link"].split("; ")
        assert rel == 'rel="next"'
        assert next_url.startswith("<http://testserver/api/") and next_url.endswith(">")
        response = client.get(next_url[1:-1], headers=auth)


def test_list_pages_through_every_task_exactly_once_by_following_link(client, user, auth):
    created = [baker.make(Task, user=user).pk for _ in range(7)]

    ids, pages = _follow_all_pages(client, tasks_url(user.pk), auth, {"limit": 3})

    assert ids == created[::-1]
    assert pages == 3


def test_list_pages_keep_the_completed_filter(client, user, auth):
    done = [baker.make(Task, user=user, completed=True, completed_at=timezone.now()).pk for _ in range(3)]
    baker.make(Task, user=user, completed=False, _quantity=3)

    ids, _ = _follow_all_pages(client, tasks_url(user.pk), auth, {"limit": 2, "completed": "true"})

    assert ids == done[::-1]


def test_list_pages_break_ties_on_equal_creation_times_by_id(client, user, auth):
    tasks = baker.make(Task, user=user, _quantity=5)
    Task.objects.filter(user=user).update(created_at=timezone.now())

    ids, _ = _follow_all_pages(client, tasks_url(user.pk), auth, {"limit": 2})

    assert ids == sorted((t.pk for t in tasks), reverse=True)


def test_the_next_page_is_stable_while_tasks_are_added_and_removed(client, user, auth):
    tasks = [baker.make(Task, user=user) for _ in range(6)]
    first = client.get(tasks_url(user.pk), {"limit": 2}, headers=auth)
    next_url = first["Link"].split(";")[0][1:-1]

    baker.make(Task, user=user)
    tasks[3].delete()

    second = client.get(next_url, headers=auth)
    assert [item["id"] for item in second.json()] == [tasks[2].pk, tasks[1].pk]


def test_list_limit_defaults_to_100(client, user, auth):
    baker.make(Task, user=user, _quantity=101)

    response = client.get(tasks_url(user.pk), headers=auth)

    assert len(response.json()) == 100
    assert 'rel="next"' in response["Link"]


# Update


def test_put_replaces_the_given_fields_and_keeps_omitted_ones(client, auth, task):
    response = send(client, "put", task_url(task), auth, {"title": "Buy oat milk"})

    assert response.status_code == 200
    task.refresh_from_db()
    assert (task.title, task.description, task.completed) == ("Buy oat milk", "2 litres", False)
    assert response.json() == representation(task)


def test_put_with_every_field_changes_every_field(client, auth, task):
    body = {"title": "New", "description": "", "completed": True}

    response = send(client, "put", task_url(task), auth, body)

    task.refresh_from_db()
    assert response.status_code == 200
    assert (task.title, task.description, task.completed) == ("New", "", True)
    assert task.completed_at is not None


def test_patch_changes_only_the_named_field(client, auth, task):
    response = send(client, "patch", task_url(task), auth, {"description": "3 litres"})

    assert response.status_code == 200
    task.refresh_from_db()
    assert (task.title, task.description) == ("Buy milk", "3 litres")
    assert response.json() == representation(task)


def test_every_write_moves_updated_at_and_never_created_at(client, auth, task):
    created_at, updated_at = task.created_at, task.updated_at

    send(client, "patch", task_url(task), auth, {"title": "Renamed"})

    task.refresh_from_db()
    assert task.created_at == created_at
    assert task.updated_at > updated_at


def test_completing_by_patch_sets_completed_at_and_reopening_clears_it(client, auth, task):
    send(client, "patch", task_url(task), auth, {"completed": True})
    task.refresh_from_db()
    assert task.completed and task.completed_at is not None

    send(client, "patch", task_url(task), auth, {"completed": False})
    task.refresh_from_db()
    assert not task.completed and task.completed_at is None


def test_completing_an_already_completed_task_keeps_when_it_was_completed(client, auth, task):
    send(client, "patch", task_url(task), auth, {"completed": True})
    task.refresh_from_db()
    first_completed_at = task.completed_at

    send(client, "put", task_url(task), auth, {"title": "Still done", "completed": True})

    task.refresh_from_db()
    assert task.completed_at == first_completed_at


def test_updating_a_task_that_does_not_exist_is_not_found(client, user, auth):
    response = send(client, "patch", f"/api/{user.pk}/tasks/424242", auth, {"title": "x"})

    assert response.status_code == 404
    assert not Task.objects.exists()


# Complete


def test_complete_without_a_body_toggles(client, auth, task):
    first = client.patch(task_url(task) + "/complete", headers=auth)
    task.refresh_from_db()
    assert first.status_code == 200
    assert first.json() == representation(task)
    assert task.completed and task.completed_at is not None

    second = client.patch(task_url(task) + "/complete", headers=auth)
    task.refresh_from_db()
    assert second.json()["completed"] is False
    assert not task.completed and task.completed_at is None


def test_complete_with_a_body_sets_the_value_so_a_retry_is_harmless(client, auth, task):
    url = task_url(task) + "/complete"
    first = send(client, "patch", url, auth, {"completed": True})
    retry = send(client, "patch", url, auth, {"completed": True})

    task.refresh_from_db()
    assert first.status_code == retry.status_code == 200
    assert task.completed
    assert retry.json()["completed_at"] == first.json()["completed_at"]

    reopened = send(client, "patch", url, auth, {"completed": False})
    assert reopened.json()["completed"] is False
    assert reopened.json()["completed_at"] is None


def test_complete_a_task_that_does_not_exist_is_not_found(client, user, auth):
    assert client.patch(f"/api/{user.pk}/tasks/5555/complete", headers=auth).status_code == 404


# Delete


def test_delete_removes_the_task_and_answers_204_with_an_empty_body(client, auth, task):
    response = client.delete(task_url(task), headers=auth)

    assert response.status_code == 204
    assert response.content == b""
    assert not Task.objects.filter(pk=task.pk).exists()
    assert client.get(task_url(task), headers=auth).status_code == 404


def test_deleting_twice_is_not_found_the_second_time(client, auth, task):
    client.delete(task_url(task), headers=auth)

    assert client.delete(task_url(task), headers=auth).status_code == 404
