"""Concurrent writers never lose an acknowledged write (each thread has its own connection)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from tasks.models import Task
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


def test_concurrent_registrations_of_one_email_create_one_user(db):
    body = {"email": "race@example.com", "password": PASSWORD}

    def register(_):
        return Client().post("/api/auth/register", body, content_type="application/json").status_code

    statuses = in_threads(register, range(THREADS))

    assert sorted(statuses) == [201] + [409] * (THREADS - 1)
    assert User.objects.filter(email="race@example.com").count() == 1
