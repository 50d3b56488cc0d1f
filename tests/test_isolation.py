"""No user sees, changes or learns anything of another user's tasks.

Every task operation is tried three ways with Ada's token: on her own task,
on Bob's task through her own path, and on Bob's path. Each time the status
is the contract's, nothing of Bob's appears in the answer, and Bob's tasks
are exactly as they were.
"""

import pytest
from model_bakery import baker

from tasks.models import Task

OPERATIONS = {
    "list": ("get", "/api/{user}/tasks", None),
    "create": ("post", "/api/{user}/tasks", {"title": "Injected"}),
    "get": ("get", "/api/{user}/tasks/{task}", None),
    "put": ("put", "/api/{user}/tasks/{task}", {"title": "Overwritten", "completed": True}),
    "patch": ("patch", "/api/{user}/tasks/{task}", {"description": "Overwritten"}),
    "delete": ("delete", "/api/{user}/tasks/{task}", None),
    "toggle": ("patch", "/api/{user}/tasks/{task}/complete", None),
    "complete": ("patch", "/api/{user}/tasks/{task}/complete", {"completed": True}),
}
SUCCESS = {"list": 200, "create": 201, "get": 200, "put": 200, "patch": 200, "delete": 204, "toggle": 200, "complete": 200}
TARGETS_A_TASK = [name for name, (_, url, _) in OPERATIONS.items() if "{task}" in url]


def call(client, auth, operation: str, *, user_id: int, task_id: int):
    method, url, body = OPERATIONS[operation]
    url = url.format(user=user_id, task=task_id)
    if body is None:
        return getattr(client, method)(url, headers=auth)
    return getattr(client, method)(url, body, content_type="application/json", headers=auth)


@pytest.fixture
def bobs_tasks(other_user):
    baker.make(Task, user=other_user, title="Bob's other secret", description="also private")
    return other_user


def snapshot(user) -> list[dict]:
    return list(Task.objects.filter(user=user).order_by("pk").values())


def assert_reveals_nothing_of_bob(response, bob):
    text = response.content.decode()
    for secret in ("Bob's", "private", bob.email):
        assert secret not in text
    if response.content and isinstance(response.json(), list):
        assert all(item["user_id"] != bob.pk for item in response.json())


@pytest.mark.parametrize("operation", OPERATIONS)
def test_own_task_through_own_path_succeeds(client, user, auth, task, other_task, bobs_tasks, operation):
    before = snapshot(bobs_tasks)

    response = call(client, auth, operation, user_id=user.pk, task_id=task.pk)

    assert response.status_code == SUCCESS[operation]
    assert_reveals_nothing_of_bob(response, bobs_tasks)
    assert snapshot(bobs_tasks) == before


@pytest.mark.parametrize("operation", TARGETS_A_TASK)
def test_other_users_task_through_own_path_is_not_found(client, user, auth, task, other_task, bobs_tasks, operation):
    before, mine = snapshot(bobs_tasks), snapshot(user)

    response = call(client, auth, operation, user_id=user.pk, task_id=other_task.pk)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert snapshot(bobs_tasks) == before
    assert snapshot(user) == mine


def test_a_missing_task_and_another_users_task_get_the_same_answer(client, user, auth, other_task):
    theirs = call(client, auth, "get", user_id=user.pk, task_id=other_task.pk)
    missing = call(client, auth, "get", user_id=user.pk, task_id=other_task.pk + 1000)

    assert (theirs.status_code, theirs.content) == (missing.status_code, missing.content)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_other_users_path_is_forbidden(client, user, auth, task, other_task, bobs_tasks, operation):
    before, mine = snapshot(bobs_tasks), snapshot(user)

    response = call(client, auth, operation, user_id=bobs_tasks.pk, task_id=other_task.pk)

    assert response.status_code == 403
    assert response.json() == {"detail": "You may only access your own tasks."}
    assert_reveals_nothing_of_bob(response, bobs_tasks)
    assert snapshot(bobs_tasks) == before
    assert snapshot(user) == mine


@pytest.mark.parametrize("operation", ["create", "put", "patch", "complete"])
def test_other_users_path_is_forbidden_before_the_body_is_read(client, user, auth, other_task, operation):
    method, url, _ = OPERATIONS[operation]
    url = url.format(user=other_task.user_id, task=other_task.pk)

    response = getattr(client, method)(url, "{not json", content_type="application/json", headers=auth)

    assert response.status_code == 403


@pytest.mark.parametrize("operation", OPERATIONS)
def test_without_a_token_every_operation_is_unauthorized(client, user, task, operation):
    before = snapshot(user)

    response = call(client, {}, operation, user_id=user.pk, task_id=task.pk)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "Buy milk" not in response.content.decode()
    assert snapshot(user) == before
