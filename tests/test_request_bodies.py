"""Request bodies: JSON in UTF-8 only (415 otherwise), parsed once and strictly,
and read whole however they are framed (chunked too), or refused (411)."""

import http.client
import io
import json
from urllib.parse import urlsplit
from wsgiref.util import setup_testing_defaults

import pytest
from django.conf import settings

from tasks.models import Task
from tests.conftest import PASSWORD
from tests.test_deploy_config import migrated_procfile_web, start_procfile_web  # noqa: F401 (fixtures)
from todoproject.wsgi import application
from users.models import User

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def no_rate_limits(settings):
    settings.THROTTLE_RATES = {}


def state():
    return list(Task.objects.order_by("pk").values()), list(User.objects.order_by("pk").values())


def bodies(user, task):
    """Every operation that takes a body, with a body it would accept."""
    tasks = f"/api/{user.pk}/tasks"
    return [
        ("post", "/api/auth/register", {"email": "new@example.com", "password": PASSWORD}),
        ("post", "/api/auth/token", {"email": user.email, "password": PASSWORD}),
        ("post", tasks, {"title": "From elsewhere"}),
        ("put", f"{tasks}/{task.pk}", {"title": "From elsewhere"}),
        ("patch", f"{tasks}/{task.pk}", {"title": "From elsewhere"}),
        ("patch", f"{tasks}/{task.pk}/complete", {"completed": True}),
    ]


NOT_JSON = [
    # What a browser sends to any origin without a CORS preflight.
    "text/plain",
    "text/plain;charset=UTF-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
    # JSON, but not in UTF-8.
    "application/json; charset=utf-16",
    "application/jsonp",
    "text/json",
]


@pytest.mark.parametrize("content_type", NOT_JSON, ids=repr)
def test_a_body_that_is_not_json_is_415_on_every_operation_that_takes_one(client, user, auth, task, content_type):
    before = state()
    for method, path, body in bodies(user, task):
        response = client.generic(
            method.upper(), path, json.dumps(body).encode(), content_type=content_type, headers=auth
        )

        assert response.status_code == 415, (method, path, response.content)
        assert response.json() == {"detail": "The body must be JSON (Content-Type: application/json)."}
    assert state() == before


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=UTF-8", "application/merge-patch+json", "Application/JSON"]
)
def test_json_media_types_with_utf_8_are_accepted(client, user, auth, task, content_type):
    response = client.generic("PATCH", f"/api/{user.pk}/tasks/{task.pk}", b'{"title": "New"}', content_type=content_type, headers=auth)

    assert response.status_code == 200
    assert Task.objects.get().title == "New"


def test_the_415_reaches_a_browser_on_an_allowed_origin_with_its_cors_headers(client, settings, user):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

    response = client.post(
        "/api/auth/register",
        json.dumps({"email": "blind@example.com", "password": PASSWORD}),
        content_type="text/plain",
        headers={"Origin": "https://app.example.com"},
    )

    assert response.status_code == 415
    assert response["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert not User.objects.filter(email="blind@example.com").exists()


def test_a_utf_8_bom_before_the_json_is_ignored(client, user, auth, no_rate_limits):
    created = client.post(f"/api/{user.pk}/tasks", BOM + b'{"title": "Milk"}', content_type="application/json", headers=auth)
    token = client.post(
        "/api/auth/token", BOM + json.dumps({"email": user.email, "password": PASSWORD}).encode(), content_type="application/json"
    )

    assert created.status_code == 201
    assert Task.objects.get().title == "Milk"
    assert token.status_code == 200


STRICTLY_NOT_JSON = {
    "UTF-16": '{"title": "Milk"}'.encode("utf-16"),
    "UTF-16-BE": '{"title": "Milk"}'.encode("utf-16-be"),
    "UTF-32": '{"title": "Milk"}'.encode("utf-32"),
    "Latin-1": '{"title": "Crème"}'.encode("latin-1"),
    "two BOMs": BOM + BOM + b'{"title": "Milk"}',
    "only a BOM": BOM,
    "NaN": b'{"title": "Milk", "position": NaN}',
    "Infinity": b'{"title": "Milk", "position": -Infinity}',
    "a number beyond a double": b'{"title": "Milk", "position": 1e400}',
    "duplicate name": b'{"title": "Milk", "title": "Eggs"}',
    "duplicate name, first not JSON": b'{"completed": NaN, "completed": true}',
    "nesting past the recursion limit": b"[" * 60000,
}


@pytest.mark.parametrize("body", STRICTLY_NOT_JSON.values(), ids=STRICTLY_NOT_JSON.keys())
def test_a_body_that_is_not_strict_utf_8_json_is_400(client, user, auth, task, body, no_rate_limits):
    before = state()

    response = client.post(f"/api/{user.pk}/tasks", body, content_type="application/json", headers=auth)

    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot parse request body"}
    assert state() == before


def test_a_chunked_body_the_server_did_not_read_is_411_and_does_not_toggle(client, user, auth, task):
    # A server that does not end wsgi.input with the body (runserver): Django
    # sees no Content-Length, so the body would look empty.
    before = state()

    response = client.generic(
        "PATCH",
        f"/api/{user.pk}/tasks/{task.pk}/complete",
        b"",
        content_type="application/json",
        headers={**auth, "Transfer-Encoding": "chunked"},
    )

    assert response.status_code == 411
    assert response.json() == {"detail": "Send the body with a Content-Length."}
    assert state() == before


def wsgi_chunked(method: str, path: str, body: bytes | io.BytesIO, headers: dict[str, str]) -> tuple[int, bytes]:
    """The project's WSGI application given a body as gunicorn gives a chunked one."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_TYPE": "application/json",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input": body if isinstance(body, io.BytesIO) else io.BytesIO(body),
        "wsgi.input_terminated": True,
        **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()},
    }
    setup_testing_defaults(environ)
    statuses = []
    chunks = application(environ, lambda status, response_headers: statuses.append(status))
    content = b"".join(chunks)
    return int(statuses[0].split()[0]), content


def test_a_chunked_body_is_read_whole_by_the_wsgi_application(user, auth, task, wsgi_in_test_transaction):
    complete = f"/api/{user.pk}/tasks/{task.pk}/complete"

    answers = [wsgi_chunked("PATCH", complete, b'{"completed": true}', auth) for _ in range(3)]
    created = wsgi_chunked("POST", f"/api/{user.pk}/tasks", b'{"title": "Streamed"}', auth)

    assert [(status, json.loads(body)["completed"]) for status, body in answers] == [(200, True)] * 3
    assert created[0] == 201
    assert Task.objects.filter(title="Streamed").exists()


def test_a_chunked_body_over_the_limit_is_413_and_read_no_further(user, auth, wsgi_in_test_transaction):
    stream = io.BytesIO(b'{"title": "' + b"x" * (2 * settings.DATA_UPLOAD_MAX_MEMORY_SIZE) + b'"}')

    status, content = wsgi_chunked("POST", f"/api/{user.pk}/tasks", stream, auth)

    assert stream.tell() == settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    assert status == 413
    assert json.loads(content) == {"detail": "Request body too large."}
    assert not Task.objects.exists()


def chunked(connection: http.client.HTTPConnection, method: str, path: str, body: dict, token: str = "") -> tuple[int, dict]:
    headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode()
    # Two chunks, so the body really is split on the wire.
    connection.request(method, path, body=iter([data[:5], data[5:]]), headers=headers, encode_chunked=True)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def test_gunicorn_hands_a_chunked_body_to_the_api_whole(migrated_procfile_web):  # noqa: F811
    base, _ = migrated_procfile_web
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)

    status, registered = chunked(connection, "POST", "/api/auth/register", {"email": "chunk@example.com", "password": PASSWORD})
    assert status == 201, registered
    token, user_id = registered["access_token"], registered["user"]["id"]
    status, task = chunked(connection, "POST", f"/api/{user_id}/tasks", {"title": "Streamed"}, token)
    assert (status, task["title"]) == (201, "Streamed")
    complete = f"/api/{user_id}/tasks/{task['id']}/complete"
    answers = [chunked(connection, "PATCH", complete, {"completed": True}, token) for _ in range(3)]
    too_large = chunked(connection, "POST", f"/api/{user_id}/tasks", {"title": "x" * 100_000}, token)

    assert [(status, body["completed"]) for status, body in answers] == [(200, True)] * 3
    assert too_large == (413, {"detail": "Request body too large."})
