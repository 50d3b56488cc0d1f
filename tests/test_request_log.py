"""Every request: one log line, and an X-Request-ID on the response."""

import logging
import re

import orjson
import pytest

from todoproject.logs import JsonFormatter

pytestmark = pytest.mark.django_db

LOGGER = "todoproject.requests"


def request_lines(caplog):
    return [r for r in caplog.records if r.name == LOGGER]


def test_a_request_gets_a_fresh_request_id_when_it_brings_none(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_a_sane_incoming_request_id_is_kept(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-3f2a.9:trace_1"})

    assert response["X-Request-ID"] == "lb-3f2a.9:trace_1"


@pytest.mark.parametrize(
    "incoming", ["", "x" * 129, "has space", "semi;colon", "new\\nline", "ünïcode"], ids=repr
)
def test_an_insane_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_error_responses_carry_the_request_id_too(client):
    response = client.get("/api/nowhere", headers={"X-Request-ID": "abc"})

    assert response.status_code == 404
    assert response["X-Request-ID"] == "abc"


def test_each_request_is_logged_once_with_method_path_status_duration_user_and_id(
    client, user, auth, caplog
):
    caplog.set_level(logging.INFO, logger=LOGGER)

    response = client.get(f"/api/{user.pk}/tasks?limit=5", headers={**auth, "X-Request-ID": "req-1"})

    [line] = request_lines(caplog)
    assert response.status_code == 200
    assert (line.method, line.path, line.status, line.user_id, line.request_id) == (
        "GET", f"/api/{user.pk}/tasks", 200, user.pk, "req-1"
    )
    assert isinstance(line.duration_ms, float) and line.duration_ms >= 0
    assert line.getMessage() == f"GET /api/{user.pk}/tasks 200 {line.duration_ms:.1f}ms user={user.pk}"


def test_an_anonymous_request_is_logged_without_a_user(client, user, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)

    response = client.get(f"/api/{user.pk}/tasks")

    [line] = request_lines(caplog)
    assert (response.status_code, line.status, line.user_id) == (401, 401, None)
    assert line.getMessage().endswith("user=-")


def test_in_production_a_log_line_is_one_json_object(client, user, auth, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    client.post(f"/api/{user.pk}/tasks", {"title": "x"}, content_type="application/json", headers=auth)
    [line] = request_lines(caplog)

    text = JsonFormatter().format(line)

    assert "\n" not in text
    entry = orjson.loads(text)
    assert {k: entry[k] for k in ("level", "logger", "method", "status", "user_id")} == {
        "level": "INFO", "logger": LOGGER, "method": "POST", "status": 201, "user_id": user.pk
    }
    assert entry["path"] == f"/api/{user.pk}/tasks"
    assert re.fullmatch(r"[0-9a-f]{32}", entry["request_id"])
    assert isinstance(entry["duration_ms"], float)


def test_an_error_logged_during_a_request_carries_its_request_id(client, user, auth, caplog, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("tasks.api.task_list", explode)
    caplog.set_level(logging.INFO)

    client.get(f"/api/{user.pk}/tasks", headers={**auth, "X-Request-ID": "trace-500"})

    error = next(r for r in caplog.records if r.name == "todoproject.api")
    entry = orjson.loads(JsonFormatter().format(error))
    assert entry["request_id"] == "trace-500"
    assert "RuntimeError: boom" in entry["exc_info"]
