"""The service's requests look their headers up when asked (todoproject/http.py),
and answer every lookup as Django's own request.headers does."""

import json
from wsgiref.util import setup_testing_defaults

import pytest
from django.http.request import HttpHeaders

from todoproject.http import LazyHttpHeaders, Request
from todoproject.wsgi import application

pytestmark = pytest.mark.django_db

APP = "https://app.example.com"

ENVIRONS = [
    {},
    {"HTTP_AUTHORIZATION": "Bearer abc", "HTTP_ORIGIN": APP, "HTTP_HOST": "testserver"},
    {"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": "12", "HTTP_IF_MATCH": '"1"', "HTTP_X_REQUEST_ID": "r-1"},
    # Not headers: the request line, the server's own keys, an empty value.
    {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/me/tasks", "wsgi.url_scheme": "http", "HTTP_ACCEPT": ""},
]
KEYS = [
    "Authorization",
    "authorization",
    "AUTHORIZATION",
    "Origin",
    "Content-Type",
    "content_length",
    "If-Match",
    "x_request_id",
    "X-Request-Id",
    "Accept",
    "Host",
    "Request-Method",
    "HTTP_HOST",
    "Path-Info",
    "Idempotency-Key",
    "",
]


def lookups(headers) -> list:
    answers = []
    for key in KEYS:
        try:
            item = headers[key]
        except KeyError:
            item = KeyError
        answers.append((key, item, key in headers, headers.get(key), headers.get(key, "none")))
    return answers


@pytest.mark.parametrize("environ", ENVIRONS)
def test_every_lookup_and_listing_of_the_headers_answers_as_djangos_do(environ):
    lazy, django = LazyHttpHeaders(environ), HttpHeaders(environ)

    assert lookups(lazy) == lookups(django)
    assert (list(lazy), len(lazy), dict(lazy.items()), repr(lazy)) == (
        list(django),
        len(django),
        dict(django.items()),
        repr(django),
    )
    assert lazy == django


def test_a_lookup_reads_the_environ_without_building_the_map_of_every_header():
    headers = LazyHttpHeaders({"HTTP_AUTHORIZATION": "Bearer abc", "HTTP_ACCEPT": "*/*"})

    assert (headers.get("Authorization"), headers["accept"], "Origin" in headers) == ("Bearer abc", "*/*", False)
    assert "_store" not in vars(headers)
    assert len(headers) == 2
    assert "_store" in vars(headers)


def test_the_application_reads_the_token_and_the_origin_through_its_own_requests(
    settings, user, auth, task, wsgi_in_test_transaction
):
    settings.CORS_ALLOWED_ORIGINS = [APP]
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": f"/api/{user.pk}/tasks",
        "HTTP_AUTHORIZATION": auth["Authorization"],
        "HTTP_ORIGIN": APP,
    }
    setup_testing_defaults(environ)
    answers = []

    def start_response(status, headers):
        answers.append((status, {name.lower(): value for name, value in headers}))

    body = b"".join(application(environ, start_response))
    [(status, headers)] = answers

    assert application.app.request_class is Request
    assert status == "200 OK"
    assert [row["title"] for row in json.loads(body)] == [task.title]
    assert headers["access-control-allow-origin"] == APP
