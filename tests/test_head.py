"""HEAD on every GET route answers as GET does, without the body (RFC 9110 §9.3.2).

Through Django's client: the real URL resolver and middleware."""

import logging

import pytest
from model_bakery import baker

from tasks.models import Task

pytestmark = pytest.mark.django_db

KEPT_HEADERS = ("Content-Type", "Content-Length", "ETag", "Link", "WWW-Authenticate", "Allow")


def assert_head_like_get(client, path, **kwargs):
    get = client.get(path, **kwargs)
    head = client.head(path, **kwargs)

    assert head.status_code == get.status_code
    assert head.content == b""
    assert {h: head.get(h) for h in KEPT_HEADERS} == {h: get.get(h) for h in KEPT_HEADERS}
    return get


def test_head_of_a_task_answers_its_status_and_etag_without_the_body(client, user, auth, task):
    get = assert_head_like_get(client, f"/api/{user.pk}/tasks/{task.pk}", headers=auth)

    assert get.status_code == 200
    assert get["ETag"] and int(get["Content-Length"]) == len(get.content) > 0


def test_head_of_a_task_list_carries_the_next_page_link(client, user, auth):
    baker.make(Task, user=user, _quantity=2)

    get = assert_head_like_get(client, f"/api/{user.pk}/tasks?limit=1", headers=auth)

    assert 'rel="next"' in get["Link"]


def test_head_with_a_matching_if_none_match_is_304(client, user, auth, task):
    etag = client.get(f"/api/{user.pk}/tasks/{task.pk}", headers=auth)["ETag"]

    head = client.head(f"/api/{user.pk}/tasks/{task.pk}", headers={**auth, "If-None-Match": etag})

    assert head.status_code == 304


@pytest.mark.parametrize(
    "path, headers",
    [("/api/auth/me", {}), ("/api/1/tasks/999", None), ("/api/nowhere", {}), ("/healthz", {}), ("/readyz", {})],
    ids=["401", "404 task", "404 route", "healthz", "readyz"],
)
def test_head_of_other_get_routes_and_their_errors_answers_as_get(client, user, auth, path, headers):
    assert_head_like_get(client, path.replace("/1/", f"/{user.pk}/"), headers=auth if headers is None else headers)


def test_head_of_a_write_only_route_is_still_405(client, user, auth):
    response = client.head("/api/auth/register")

    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_head_is_logged_as_head_and_writes_nothing(client, user, auth, task, caplog):
    caplog.set_level(logging.INFO, logger="todoproject.requests")
    before = list(Task.objects.values())

    client.head(f"/api/{user.pk}/tasks/{task.pk}", headers=auth)

    assert [r.method for r in caplog.records if r.name == "todoproject.requests"] == ["HEAD"]
    assert list(Task.objects.values()) == before
