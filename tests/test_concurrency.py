"""Concurrent writers never lose an acknowledged write (each thread has its own connection)."""

import json
import urllib.error
import urllib.request
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from django.db import connection, transaction
from django.test import Client

from signin.models import PersonalAccessToken
from tasks.models import Task
from tasks.timestamps import to_micros
from tests.conftest import PASSWORD, bearer
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def in_threads(work, jobs):
    def run(job):
        try:
            return work(job)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(run, jobs))


def test_concurrent_toggles_are_each_applied_once(user, task):
    auth = bearer(user)
    url = f"/api/{user.pk}/tasks/{task.pk}/complete"
    toggles = 41

    statuses = in_threads(lambda _: Client().patch(url, headers=auth).status_code, range(toggles))

    assert statuses == [200] * toggles
    task.refresh_from_db()
    assert task.completed is True
    assert task.completed_at is not None


def test_concurrent_patches_of_different_fields_all_survive(user, task):
    auth = bearer(user)
    url = f"/api/{user.pk}/tasks/{task.pk}"
    bodies = [{"title": f"title {i}"} if i % 2 else {"description": f"description {i}"} for i in range(16)]

    def patch(body):
        return Client().patch(url, body, content_type="application/json", headers=auth).status_code

    assert in_threads(patch, bodies) == [200] * len(bodies)
    task.refresh_from_db()
    assert task.title.startswith("title ")
    assert task.description.startswith("description ")


def test_concurrent_creates_are_all_kept(user):
    auth = bearer(user)

    def create(i):
        body = {"title": f"task {i}"}
        return Client().post(f"/api/{user.pk}/tasks", body, content_type="application/json", headers=auth)

    responses = in_threads(create, range(24))

    assert [r.status_code for r in responses] == [201] * 24
    assert sorted(r.json()["id"] for r in responses) == sorted(Task.objects.values_list("pk", flat=True))


# Each a write of the user's own data: (method, path under /api/{user_id}/ or /api/, body).
WRITES_OF_A_USER = [
    ("post", "{user}/tasks", {"title": "New"}),
    ("put", "{user}/tasks/{task}", {"title": "Put", "description": "", "completed": False}),
    ("patch", "{user}/tasks/{task}", {"title": "Patched"}),
    ("patch", "{user}/tasks/{task}/complete", None),
    ("delete", "{user}/tasks/{task}", None),
    ("post", "{user}/tasks/bulk", {"action": "complete", "ids": ["{task}"]}),
    ("patch", "{user}/tags/home", {"name": "house"}),
    ("post", "auth/tokens", {"name": "script"}),
]


@pytest.mark.parametrize("method, path, body", WRITES_OF_A_USER)
def test_a_write_racing_its_users_deletion_is_refused_not_a_server_error(user, task, method, path, body):
    task.tags = ["home"]
    task.save()
    auth = bearer(user)
    # The user's change feed exists: the write must wait for the deletion's lock on it.
    assert Client().patch(f"/api/{user.pk}/tasks/{task.pk}/complete", headers=auth).status_code == 200
    deleting = threading.Event()

    def delete_the_user():
        try:
            with transaction.atomic():
                User.objects.filter(pk=user.pk).delete()
                deleting.set()
                # Committed while the write below waits for the deleted rows.
                time.sleep(1)
        finally:
            connection.close()

    deletion = threading.Thread(target=delete_the_user)
    deletion.start()
    deleting.wait()
    url = "/api/" + path.format(user=user.pk, task=task.pk)
    sent = {}
    if body is not None:
        sent = {"data": json.loads(json.dumps(body).replace('"{task}"', str(task.pk))), "content_type": "application/json"}
    response = getattr(Client(), method)(url, headers=auth, **sent)
    deletion.join()

    assert response.status_code == 401, response.content
    assert response.json() == {"detail": "Missing, invalid or expired token."}
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Task.objects.exists()
    assert not PersonalAccessToken.objects.exists()


def test_concurrent_registrations_of_one_email_create_one_user(db):
    body = {"email": "race@example.com", "password": PASSWORD}

    def register(_):
        return Client().post("/api/auth/register", body, content_type="application/json").status_code

    statuses = in_threads(register, range(THREADS))

    assert sorted(statuses) == [201] + [409] * (THREADS - 1)
    assert User.objects.filter(email="race@example.com").count() == 1


def live_request(url: str, method: str, headers: dict[str, str], body: dict | None = None) -> tuple[int, str, dict]:
    """One request from a client of its own: (status, ETag, JSON body)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={**headers, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["ETag"], json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers["ETag"], json.loads(error.read())


def version(answer: dict) -> str:
    """The ETag a task's updated_at makes (tasks/etags.py)."""
    return f'"{to_micros(datetime.fromisoformat(answer["updated_at"]))}"'


def test_concurrent_toggles_each_answer_the_version_they_wrote(live_server, user, task):
    auth = bearer(user)
    url = f"{live_server.url}/api/{user.pk}/tasks/{task.pk}/complete"
    toggles = 50

    answers = in_threads(lambda _: live_request(url, "PATCH", auth), range(toggles))

    assert [status for status, _, _ in answers] == [200] * toggles
    assert sorted(body["completed"] for _, _, body in answers) == [False] * 25 + [True] * 25
    assert len({etag for _, etag, _ in answers}) == toggles
    assert all(etag == version(body) for _, etag, body in answers)
    assert all(body["completed"] == (body["completed_at"] is not None) for _, _, body in answers)
    task.refresh_from_db()
    assert (task.completed, task.completed_at) == (False, None)


def test_after_concurrent_patches_only_the_last_writers_etag_still_matches(live_server, user, task):
    auth = bearer(user)
    url = f"{live_server.url}/api/{user.pk}/tasks/{task.pk}"
    writers = 24

    answers = in_threads(lambda i: live_request(url, "PATCH", auth, {"title": f"title {i}"}), range(writers))

    assert [status for status, _, _ in answers] == [200] * writers
    assert [body["title"] for _, _, body in answers] == [f"title {i}" for i in range(writers)]
    task.refresh_from_db()
    last = [etag for _, etag, body in answers if body["title"] == task.title]
    earlier = [etag for _, etag, body in answers if body["title"] != task.title]
    assert last == [f'"{to_micros(task.updated_at)}"']
    for etag in earlier:
        status, _, _ = live_request(url, "PATCH", {**auth, "If-Match": etag}, {"description": "stale"})
        assert status == 412
    assert Task.objects.get(pk=task.pk).description == task.description
    status, _, body = live_request(url, "PATCH", {**auth, "If-Match": last[0]}, {"description": "fresh"})
    assert (status, body["title"], body["description"]) == (200, task.title, "fresh")
