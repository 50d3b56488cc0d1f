"""Idempotency-Key on create: a retried request never makes a second task."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from tasks.models import Task
from tests.conftest import bearer


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
def test_a_keyed_create_costs_two_queries_and_its_retry_three(client, user, django_assert_num_queries):
    auth = bearer(user)
    with django_assert_num_queries(2):
        assert create(client, user, auth, {"title": "x"}, "k").status_code == 201
    with django_assert_num_queries(3):
        assert create(client, user, auth, {"title": "x"}, "k").status_code == 201
