"""Bad input is answered with the contract's JSON error, never a 500, and changes nothing."""

import base64
import sys
import unicodedata

import pytest
from django.utils import timezone

from tasks.models import Task

TOO_LONG_TITLE = "t" * 201
TOO_LONG_DESCRIPTION = "d" * 1001
BIG_ID = str(2**63)


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


# (name, method, path under /api/{user}/tasks, body, query, status, offending field)
# A str body is sent as is; anything else is JSON-encoded.
CASES = [
    ("missing title", "post", "", {}, None, 422, "title"),
    ("empty title", "post", "", {"title": ""}, None, 422, "title"),
    ("blank title", "post", "", {"title": " \t "}, None, 422, "title"),
    ("title too long", "post", "", {"title": TOO_LONG_TITLE}, None, 422, "title"),
    ("NUL in title", "post", "", {"title": "a\x00b"}, None, 422, "title"),
    ("line break in title", "post", "", {"title": "a\nb"}, None, 422, "title"),
    ("DEL in title", "post", "", {"title": "a\x7fb"}, None, 422, "title"),
    ("lone surrogate in title", "post", "", '{"title": "a\\ud800b"}', None, 422, "title"),
    ("zero-width space title", "post", "", {"title": "\u200b\u200b"}, None, 422, "title"),
    ("BOM title", "post", "", {"title": "\ufeff"}, None, 422, "title"),
    ("right-to-left override in title", "post", "", {"title": "invoice\u202etxt.exe"}, None, 422, "title"),
    ("lone zero-width joiner title", "post", "", {"title": "\u200d"}, None, 422, "title"),
    ("zero-width joiner before the text", "post", "", {"title": "\u200dmilk"}, None, 422, "title"),
    ("zero-width joiner next to a space", "post", "", {"title": "milk \u200d eggs"}, None, 422, "title"),
    ("number title", "post", "", {"title": 123}, None, 422, "title"),
    ("null title", "post", "", {"title": None}, None, 422, "title"),
    ("list title", "post", "", {"title": ["a"]}, None, 422, "title"),
    ("description too long", "post", "", {"title": "x", "description": TOO_LONG_DESCRIPTION}, None, 422, "description"),
    ("NUL in description", "post", "", {"title": "x", "description": "a\x00"}, None, 422, "description"),
    ("escape in description", "post", "", {"title": "x", "description": "\x1b[31m"}, None, 422, "description"),
    ("number description", "post", "", {"title": "x", "description": 5}, None, 422, "description"),
    ("completed as yes", "post", "", {"title": "x", "completed": "yes"}, None, 422, "completed"),
    ("completed as 1", "post", "", {"title": "x", "completed": 1}, None, 422, "completed"),
    ("completed as 'true'", "post", "", {"title": "x", "completed": "true"}, None, 422, "completed"),
    ("completed as null", "post", "", {"title": "x", "completed": None}, None, 422, "completed"),
    ("unknown field", "post", "", {"title": "x", "owner": 2}, None, 422, "owner"),
    ("user_id in body", "post", "", {"title": "x", "user_id": 2}, None, 422, "user_id"),
    ("completed_at in body", "post", "", {"title": "x", "completed_at": "2026-01-01T00:00:00Z"}, None, 422, "completed_at"),
    ("not JSON", "post", "", "{bad", None, 400, None),
    ("form encoded", "post", "", "title=x", None, 400, None),
    ("JSON array", "post", "", "[]", None, 422, "body"),
    ("JSON string", "post", "", '"title"', None, 422, "body"),
    ("empty body", "post", "", "", None, 422, "body"),
    ("patch null title", "patch", "/{task}", {"title": None}, None, 422, "title"),
    ("patch null completed", "patch", "/{task}", {"completed": None}, None, 422, "completed"),
    ("patch completed as 'false'", "patch", "/{task}", {"completed": "false"}, None, 422, "completed"),
    ("patch empty title", "patch", "/{task}", {"title": ""}, None, 422, "title"),
    ("patch unknown field", "patch", "/{task}", {"done": True}, None, 422, "done"),
    ("patch not an object", "patch", "/{task}", "5", None, 422, "body"),
    ("put without title", "put", "/{task}", {"description": "x"}, None, 422, "title"),
    ("put not JSON", "put", "/{task}", "{'title': 'x'}", None, 400, None),
    ("complete with yes", "patch", "/{task}/complete", {"completed": "yes"}, None, 422, "completed"),
    ("complete with empty object", "patch", "/{task}/complete", {}, None, 422, "completed"),
    ("complete with extra field", "patch", "/{task}/complete", {"completed": True, "x": 1}, None, 422, "x"),
    # Only no body at all toggles: a JSON null is a body, and not a CompleteIn.
    ("complete with a null body", "patch", "/{task}/complete", "null", None, 422, "body"),
    ("put with a null body", "put", "/{task}", "null", None, 422, "body"),
    ("task id not a number", "get", "/abc", None, None, 422, "task_id"),
    ("task id a decimal", "get", "/1.5", None, None, 422, "task_id"),
    ("task id zero", "get", "/0", None, None, 422, "task_id"),
    ("task id negative", "delete", "/-1", None, None, 422, "task_id"),
    ("task id beyond bigint", "patch", "/" + BIG_ID, {"title": "x"}, None, 422, "task_id"),
    ("limit zero", "get", "", None, {"limit": "0"}, 422, "limit"),
    ("limit above 500", "get", "", None, {"limit": "501"}, 422, "limit"),
    ("limit not a number", "get", "", None, {"limit": "ten"}, 422, "limit"),
    ("completed filter not a boolean", "get", "", None, {"completed": "maybe"}, 422, "completed"),
    *[
        (f"completed filter as {value!r}", "get", "", None, {"completed": value}, 422, "completed")
        for value in ("1", "0", "yes", "no", "on", "off", "t", "f", "True", "FALSE", " true")
    ],
    ("cursor garbage", "get", "", None, {"cursor": "%%%"}, 422, "cursor"),
    ("cursor of the wrong shape", "get", "", None, {"cursor": b64("x.y")}, 422, "cursor"),
    ("cursor out of range", "get", "", None, {"cursor": b64(f"{10**30}.1")}, 422, "cursor"),
    ("cursor with a zero id", "get", "", None, {"cursor": b64("0.0")}, 422, "cursor"),
    ("cursor too long", "get", "", None, {"cursor": "A" * 65}, 422, "cursor"),
]


@pytest.mark.parametrize(
    "method, path, body, query, status, field", [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_bad_input_gets_a_json_error_and_changes_nothing(client, user, auth, task, method, path, body, query, status, field):
    before = list(Task.objects.order_by("pk").values())
    url = f"/api/{user.pk}/tasks" + path.format(task=task.pk)
    kwargs = {"headers": auth}
    if body is not None:
        kwargs.update(data=body, content_type="application/json")
    elif query is not None:
        kwargs.update(data=query)

    response = getattr(client, method)(url, **kwargs)

    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    if field is None:
        assert isinstance(detail, str) and detail
    else:
        assert any(error["loc"][-1] == field for error in detail), detail
        assert all(set(error) == {"loc", "msg", "type"} for error in detail)
    assert list(Task.objects.order_by("pk").values()) == before


def test_every_offending_field_is_named_at_once(client, user, auth):
    body = {"title": "", "description": 7, "completed": "no", "colour": "red"}

    response = client.post(f"/api/{user.pk}/tasks", body, content_type="application/json", headers=auth)

    assert response.status_code == 422
    assert {error["loc"][-1] for error in response.json()["detail"]} == {"title", "description", "completed", "colour"}


@pytest.mark.parametrize(
    "body, loc",
    [
        ({}, ["body", "title"]),
        ({"title": "x", "colour": "red"}, ["body", "colour"]),
        ([], ["body"]),
    ],
    ids=["missing field", "unknown field", "not an object"],
)
def test_errors_locate_the_field_as_the_client_sent_it(client, user, auth, body, loc):
    # Not ["body", "payload", "title"]: the view's parameter name is no part of the request.
    response = client.post(f"/api/{user.pk}/tasks", body, content_type="application/json", headers=auth)

    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [loc]
    assert not Task.objects.exists()


FORMAT_CHARACTERS = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]


def test_every_invisible_format_character_in_a_title_is_refused(client, user, auth):
    refused = {}
    for char in FORMAT_CHARACTERS:
        response = client.post(
            f"/api/{user.pk}/tasks", {"title": f"milk{char}eggs"}, content_type="application/json", headers=auth
        )
        refused[char] = response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "title"

    # The zero-width joiner between two visible characters is what emoji sequences are made of.
    assert [f"U+{ord(c):04X}" for c, ok in refused.items() if not ok] == ["U+200D"]
    assert list(Task.objects.values_list("title", flat=True)) == ["milk\u200deggs"]


@pytest.mark.parametrize("title", ["👩\u200d💻 review", "❤\ufe0f\u200d🔥", "क्\u200dष"], ids=repr)
def test_a_title_with_an_emoji_or_script_joiner_is_kept_as_sent(client, user, auth, title):
    response = client.post(f"/api/{user.pk}/tasks", {"title": title}, content_type="application/json", headers=auth)

    assert response.status_code == 201
    assert Task.objects.get().title == title


@pytest.mark.parametrize("value, completed", [("true", True), ("false", False)])
def test_the_completed_filter_takes_true_and_false(client, user, auth, value, completed):
    Task.objects.create(user=user, title="done", completed=True, completed_at=timezone.now())
    Task.objects.create(user=user, title="open")

    response = client.get(f"/api/{user.pk}/tasks", {"completed": value}, headers=auth)

    assert response.status_code == 200
    assert [task["completed"] for task in response.json()] == [completed]
