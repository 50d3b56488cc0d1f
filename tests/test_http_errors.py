"""Errors outside Ninja's operations are JSON under /api/ too (Django's client runs
the real URL resolver and middleware, which Ninja's TestClient skips)."""

import pytest


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.mark.parametrize("path", ["/api/nope", "/api/1/tasks/2/undo", "/api/1/tasks/", "/api/auth/"])
def test_an_unknown_route_is_a_json_404(client, debug, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        # HEAD wherever GET is (issue #12: it was 405 before).
        ("put", "/api/1/tasks", {"GET", "HEAD", "POST"}),
        ("post", "/api/1/tasks/2", {"GET", "HEAD", "PUT", "PATCH", "DELETE"}),
        ("get", "/api/1/tasks/2/complete", {"PATCH"}),
        ("get", "/api/auth/register", {"POST"}),
    ],
)
def test_a_wrong_method_is_a_json_405_naming_the_allowed_ones(client, debug, method, path, allowed):
    response = getattr(client, method)(path)

    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert set(response["Allow"].split(", ")) == allowed


def test_a_disallowed_host_is_a_json_400(client, debug):
    response = client.get("/api/auth/me", headers={"Host": "evil.example"})

    assert response.status_code == 400
    assert response.json() == {"detail": "Bad Request"}


def test_an_unexpected_error_is_a_json_500_without_a_traceback(client, user, auth, debug, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("tasks.api.task_list", explode)

    response = client.get(f"/api/{user.pk}/tasks", headers=auth)

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error."}
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content


def test_pages_outside_the_api_keep_django_behaviour(client, settings):
    settings.DEBUG = False

    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")
