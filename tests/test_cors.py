import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

APP = "https://app.example.com"
EVIL = "https://evil.example.net"
CORS_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Access-Control-Allow-Credentials",
)


@pytest.fixture(autouse=True)
def _allow_the_app(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]


def preflight(client, url: str, origin: str, method: str = "POST"):
    return client.options(
        url,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_preflight_from_an_allowed_origin_allows_the_method_and_authorization(client, user):
    response = preflight(client, f"/api/{user.pk}/tasks", APP)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert {"authorization", "content-type"} <= set(response["Access-Control-Allow-Headers"].split(", "))
    assert int(response["Access-Control-Max-Age"]) > 0


def test_actual_request_from_an_allowed_origin_exposes_the_api_headers(client, user, auth):
    response = client.post(
        f"/api/{user.pk}/tasks",
        {"title": "From the browser"},
        content_type="application/json",
        headers={**auth, "Origin": APP},
    )

    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == APP
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert exposed == {"location", "link", "etag", "x-request-id"}
    assert "origin" in response["Vary"].lower()


def test_api_errors_rewritten_to_json_keep_their_cors_headers(client):
    response = client.get("/api/no/such/route", headers={"Origin": APP})

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
    assert response["Access-Control-Allow-Origin"] == APP


def test_a_disallowed_origin_gets_no_cors_headers(client, user, auth):
    responses = [
        preflight(client, f"/api/{user.pk}/tasks", EVIL),
        client.get(f"/api/{user.pk}/tasks", headers={**auth, "Origin": EVIL}),
    ]

    for response in responses:
        assert not [h for h in CORS_HEADERS if h in response]
    assert responses[1].status_code == 200


def test_paths_outside_the_api_get_no_cors_headers(client, db):
    response = client.get("/admin/login/", headers={"Origin": APP})

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def allowed_origins_from_env(value: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "CORS_ALLOWED_ORIGINS"}
    if value is not None:
        env["CORS_ALLOWED_ORIGINS"] = value
    code = "import json; from django.conf import settings; print(json.dumps(settings.CORS_ALLOWED_ORIGINS))"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**env, "DJANGO_SETTINGS_MODULE": "todoproject.settings"},
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_allowed_origins_come_from_the_environment_and_default_to_none():
    assert allowed_origins_from_env(None) == []
    assert allowed_origins_from_env(f" {APP}, http://localhost:5173 ,") == [APP, "http://localhost:5173"]
