"""Idempotency-Key on create: a retried request never makes a second task."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from tasks.models import Task
from tests.conftest import bearer
from tests.test_query_counts import on_this_backend


def create(client, user, auth, body, key):
    headers = {**auth, "Idempotency-Key": key} if key else auth
    return client.post(f"/api/{user.pk}/tasks", body, content_type="application/json", headers=headers)


def test_a_retry_with_the_same_key_and_body_returns_the_first_task_and_creates_nothing(client, user, auth):
    first = create(client, user, auth, {"title": "Pay rent"}, "key-1")
    retry = create(client, user, auth, {"title": "Pay rent"}, "key-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Location"] == first["Location"]
    assert Task.objects.count() == 1


def test_the_same_key_with_a_different_body_is_refused(client, user, auth):
    create(client, user, auth, {"title": "Pay rent"}, "key-1")

    response = create(client, user, auth, {"title": "Pay more rent"}, "key-1")

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert list(Task.objects.values_list("title", flat=True)) == ["Pay rent"]


def test_a_body_that_differs_only_in_surrounding_spaces_is_the_same_request(client, user, auth):
    create(client, user, auth, {"title": "Pay rent"}, "key-1")

    assert create(client, user, auth, {"title": " Pay rent "}, "key-1").status_code == 201
    assert Task.objects.count() == 1


def test_keys_are_scoped_to_the_user(client, user, other_user, auth):
    create(client, user, auth, {"title": "Mine"}, "shared-key")

    response = create(client, other_user, bearer(other_user), {"title": "Theirs"}, "shared-key")

    assert response.status_code == 201
    assert Task.objects.filter(user=other_user, title="Theirs").exists()
    assert Task.objects.count() == 2


def test_different_keys_and_no_key_create_separate_tasks(client, user, auth):
    for key in ("a", "b", None, None):
        assert create(client, user, auth, {"title": "Same"}, key).status_code == 201

    assert Task.objects.count() == 4


@pytest.mark.parametrize("key", ["x" * 256, "has space", "tab\tkey", "ünïcode"])
def test_a_malformed_key_is_a_validation_error(client, user, auth, key):
    response = create(client, user, auth, {"title": "x"}, key)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "Idempotency-Key"
    assert not Task.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_create_exactly_one_task(user):
    auth = {**bearer(user), "Idempotency-Key": "race"}

    def attempt(_):
        try:
            response = Client().post(f"/api/{user.pk}/tasks", {"title": "Once"}, content_type="application/json", headers=auth)
            return response.status_code, response.json()["id"]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(16)))

    assert {status for status, _ in results} == {201}
    assert len({task_id for _, task_id in results}) == 1
    assert Task.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_keyed_create_and_its_retry_cost_one_query_each(client, user, django_assert_num_queries):
    auth = bearer(user)
    with django_assert_num_queries(on_this_backend(1)):
        assert create(client, user, auth, {"title": "x"}, "k").status_code == 201
    with django_assert_num_queries(on_this_backend(1)):
        assert create(client, user, auth, {"title": "x"}, "k").status_code == 201


@pytest.mark.django_db(transaction=True)
def test_retries_racing_a_delete_of_the_task_they_created_answer_it_or_create_anew(user, settings):
    # The key is free again once the DELETE commits, whenever that falls
    # within a retry: it answers the task it finds or makes a new one.
    settings.THROTTLE_RATES = {}
    auth = bearer(user)
    rounds, retries = 150, 3

    def request(job):
        kind, key, task_id = job
        try:
            if kind == "retry":
                response = create(Client(), user, auth, {"title": "Once"}, key)
                return response.status_code, response.json().get("id")
            return Client().delete(f"/api/{user.pk}/tasks/{task_id}", headers=auth).status_code, task_id
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=retries + 1) as pool:
        for round in range(rounds):
            key = f"race-{round}"
            task_id = create(Client(), user, auth, {"title": "Once"}, key).json()["id"]
            jobs = [("delete", key, task_id)] + [("retry", key, task_id)] * retries
            results = list(pool.map(request, jobs))

            assert [status for status, _ in results] == [204] + [201] * retries, round
            kept = list(Task.objects.filter(idempotency_key=key).values_list("pk", flat=True))
            assert len(kept) <= 1
            assert {answered for _, answered in results[1:]} <= {task_id, *kept}
