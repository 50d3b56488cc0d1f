"""Isolation holds for users of an identity provider too: between two of
them, and between one and a password user with the same email. Every task
operation is tried on the other's path (by local id, and by sub for an
external user) and on the other's task through one's own path, as in
tests/test_isolation.py: 403 and 404, nothing revealed, nothing changed."""

import pytest
from model_bakery import baker

from tasks.models import Task
from tests.conftest import bearer, external_bearer
from tests.test_isolation import OPERATIONS, TARGETS_A_TASK, call, snapshot
from users.models import User

PAIRS = [
    ("external ada", "external bob"),
    ("external bob", "external ada"),
    ("external ada", "password ada"),
    ("password ada", "external ada"),
]


@pytest.fixture
def people(client, make_user, oidc_issuer):
    """name → (user, auth headers, path forms of its own id, its task)."""
    people = {}
    for name, sub, email in [("external ada", "ada-sub", "ada@example.com"), ("external bob", "bob-sub", "bob@example.com")]:
        auth = external_bearer(oidc_issuer, sub=sub, email=email)
        client.get("/api/me/tasks", headers=auth)
        user = User.objects.get(external_identities__subject=sub)
        people[name] = (user, auth, [user.pk, sub])
    password_ada = make_user("ada@example.com")
    people["password ada"] = (password_ada, bearer(password_ada), [password_ada.pk])
    return {
        name: (user, auth, paths, baker.make(Task, user=user, title=f"{name}'s secret", description="private"))
        for name, (user, auth, paths) in people.items()
    }


def everyones_tasks(people) -> dict[str, list[dict]]:
    return {name: snapshot(user) for name, (user, *_rest) in people.items()}


def assert_reveals_nothing(response, victim_name, victim):
    text = response.content.decode()
    assert f"{victim_name}'s secret" not in text and "private" not in text
    if response.content and isinstance(response.json(), list):
        assert all(item["user_id"] != victim.pk for item in response.json())


@pytest.mark.parametrize("actor, victim", PAIRS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_other_users_path_is_forbidden(client, people, actor, victim, operation):
    auth, (victim_user, _, victim_paths, victim_task) = people[actor][1], people[victim]
    before = everyones_tasks(people)

    for path_user in victim_paths:
        response = call(client, auth, operation, user_id=path_user, task_id=victim_task.pk)

        assert response.status_code == 403
        assert_reveals_nothing(response, victim, victim_user)
    assert everyones_tasks(people) == before


@pytest.mark.parametrize("actor, victim", PAIRS)
@pytest.mark.parametrize("operation", TARGETS_A_TASK)
def test_the_other_users_task_through_ones_own_path_is_not_found(client, people, actor, victim, operation):
    _, auth, actor_paths, _ = people[actor]
    victim_task = people[victim][3]
    before = everyones_tasks(people)

    for path_user in [*actor_paths, "me"]:
        response = call(client, auth, operation, user_id=path_user, task_id=victim_task.pk)

        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    assert everyones_tasks(people) == before


def test_an_external_user_with_a_password_users_email_sees_only_their_own_tasks(client, people):
    _, auth, _, own_task = people["external ada"]

    listed = client.get("/api/me/tasks", headers=auth).json()

    assert [task["id"] for task in listed] == [own_task.pk]
