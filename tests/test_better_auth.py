"""A real Better Auth front end (tests/better_auth/: better-auth's jwt()
plugin, email and password) against the service, configured only with
BETTER_AUTH_URL: users sign up through Better Auth's own HTTP API, take the
JWT its /api/auth/token gives, and use the task API with it."""

import time
import uuid

import jwt
import pytest

from identities.models import ExternalIdentity
from tasks.models import Task
from users.models import User

pytestmark = pytest.mark.django_db


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_up(better_auth, name: str = "ada"):
    return better_auth.sign_up(f"{name}-{uuid.uuid4().hex[:8]}@Example.com", name=name)


@pytest.mark.parametrize("form", ["sub", "me", "local id"])
def test_every_task_operation_works_with_a_better_auth_jwt(client, better_auth, form):
    account = sign_up(better_auth)
    token = account.jwt()
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA"
    headers = bearer(token)
    local_id = client.get("/api/auth/me", headers=headers).json()["id"]
    base = f"/api/{ {'sub': account.user_id, 'me': 'me', 'local id': local_id}[form] }/tasks"

    created = client.post(base, {"title": "From the front end"}, content_type="application/json", headers=headers)
    task_id = created.json()["id"]
    url = f"{base}/{task_id}"
    listed = client.get(base, headers=headers)
    got = client.get(url, headers=headers)
    put = client.put(url, {"title": "Put", "completed": True}, content_type="application/json", headers=headers)
    patched = client.patch(url, {"description": "Patched"}, content_type="application/json", headers=headers)
    toggled = client.patch(f"{url}/complete", headers=headers)
    completed = client.patch(f"{url}/complete", {"completed": True}, content_type="application/json", headers=headers)
    stored = Task.objects.get(pk=task_id)
    deleted = client.delete(url, headers=headers)

    assert (created.status_code, created.json()["user_id"]) == (201, local_id)
    assert created["Location"].endswith(f"/api/{local_id}/tasks/{task_id}")
    assert [task["id"] for task in listed.json()] == [task_id]
    assert (got.status_code, got.json()["title"]) == (200, "From the front end")
    assert (put.status_code, put.json()["title"], put.json()["completed"]) == (200, "Put", True)
    assert (patched.status_code, patched.json()["description"]) == (200, "Patched")
    assert (toggled.status_code, toggled.json()["completed"]) == (200, False)
    assert (completed.status_code, completed.json()["completed"]) == (200, True)
    assert (stored.user_id, stored.title, stored.description, stored.completed) == (local_id, "Put", "Patched", True)
    assert deleted.status_code == 204
    assert client.get(url, headers=headers).status_code == 404
    assert not Task.objects.exists()


def test_a_better_auth_user_is_a_local_user_with_the_email_better_auth_gave(client, better_auth):
    account = sign_up(better_auth, "grace")

    me = client.get("/api/auth/me", headers=bearer(account.jwt())).json()

    identity = ExternalIdentity.objects.get()
    assert (identity.issuer, identity.subject, identity.user_id) == (better_auth.url, account.user_id, me["id"])
    assert me["email"].startswith("grace-") and me["email"] == me["email"].lower()
    assert User.objects.get().signs_in_with_password is False


def test_the_jwt_of_the_set_auth_jwt_header_works_too(client, better_auth):
    account = sign_up(better_auth)
    _, headers = better_auth.request("GET", "/api/auth/get-session", headers={"Cookie": account.cookie})

    response = client.get(f"/api/{account.user_id}/tasks", headers=bearer(headers["set-auth-jwt"]))

    assert response.status_code == 200


def test_a_better_auth_session_token_is_not_a_bearer_token_here(client, better_auth):
    account = sign_up(better_auth)

    response = client.get("/api/me/tasks", headers=bearer(account.session_token))

    assert response.status_code == 401
    assert not User.objects.exists()


def test_another_better_auth_users_sub_in_the_path_is_forbidden(client, better_auth):
    ada, bob = sign_up(better_auth, "ada"), sign_up(better_auth, "bob")
    bob_headers = bearer(bob.jwt())
    client.post("/api/me/tasks", {"title": "Bob's secret"}, content_type="application/json", headers=bob_headers)

    response = client.get(f"/api/{bob.user_id}/tasks", headers=bearer(ada.jwt()))

    assert response.status_code == 403
    assert "Bob's secret" not in response.content.decode()


def test_a_rotated_key_works_at_once_and_the_old_one_until_its_grace_period_ends(client, better_auth, settings):
    account = sign_up(better_auth)
    old = account.jwt()
    assert client.get("/api/me/tasks", headers=bearer(old)).status_code == 200
    better_auth.rotate()
    new = account.jwt()
    old_kid, new_kid = (jwt.get_unverified_header(token)["kid"] for token in (old, new))
    assert old_kid != new_kid
    time.sleep(0.25)

    assert client.get("/api/me/tasks", headers=bearer(new)).status_code == 200
    # Better Auth still publishes the old key during its grace period.
    assert set(better_auth.kids()) >= {old_kid, new_kid}
    assert client.get("/api/me/tasks", headers=bearer(old)).status_code == 200

    better_auth.end_grace()
    settings.JWKS_MAX_AGE = 0.2
    time.sleep(0.25)
    assert old_kid not in better_auth.kids()
    assert client.get("/api/me/tasks", headers=bearer(old)).status_code == 401
    assert client.get("/api/me/tasks", headers=bearer(new)).status_code == 200
