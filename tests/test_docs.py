"""The OpenAPI document and docs page say what the contract says."""

import pytest

pytestmark = pytest.mark.django_db

# Every operation of the contract and every status it can answer.
CONTRACT = {
    ("post", "/api/auth/register"): {201, 400, 409, 422},
    ("post", "/api/auth/token"): {200, 400, 401, 422},
    ("get", "/api/auth/me"): {200, 401},
    ("post", "/api/auth/refresh"): {200, 400, 401, 422},
    ("post", "/api/auth/logout"): {204, 401, 403},
    ("post", "/api/auth/password"): {200, 400, 401, 403, 422, 429},
    ("post", "/api/auth/tokens"): {201, 400, 401, 403, 422},
    ("get", "/api/auth/tokens"): {200, 401, 403},
    ("delete", "/api/auth/tokens/{token_id}"): {204, 401, 403, 404, 422},
    ("get", "/api/{user_id}/tasks"): {200, 401, 403, 422},
    ("post", "/api/{user_id}/tasks"): {201, 400, 401, 403, 422},
    ("get", "/api/{user_id}/tasks/{task_id}"): {200, 401, 403, 404, 422},
    ("put", "/api/{user_id}/tasks/{task_id}"): {200, 400, 401, 403, 404, 422},
    ("patch", "/api/{user_id}/tasks/{task_id}"): {200, 400, 401, 403, 404, 422},
    ("delete", "/api/{user_id}/tasks/{task_id}"): {204, 401, 403, 404, 422},
    ("patch", "/api/{user_id}/tasks/{task_id}/complete"): {200, 400, 401, 403, 404, 422},
    ("get", "/api/{user_id}/changes"): {200, 401, 403, 410, 422},
    ("post", "/api/{user_id}/tasks/bulk"): {200, 400, 401, 403, 422},
    ("post", "/api/{user_id}/tasks/clear-completed"): {200, 401, 403},
    ("patch", "/api/auth/me"): {200, 400, 401, 422},
    ("get", "/api/{user_id}/tags"): {200, 401, 403, 422},
    ("patch", "/api/{user_id}/tags/{name}"): {200, 400, 401, 403, 404, 422},
    ("delete", "/api/{user_id}/tags/{name}"): {204, 401, 403, 404, 422},
}


@pytest.fixture
def openapi(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(openapi: dict):
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            yield (method, path), operation


def test_the_document_has_exactly_the_contracts_operations(openapi):
    assert {key for key, _ in operations(openapi)} == set(CONTRACT)


@pytest.mark.parametrize("key", CONTRACT, ids=[f"{m} {p}" for m, p in CONTRACT])
def test_each_operation_documents_every_status_it_answers(openapi, key):
    method, path = key
    documented = {int(status) for status in openapi["paths"][path][method]["responses"]}

    assert CONTRACT[key] <= documented


def test_each_operation_has_an_example_request(openapi):
    for key, operation in operations(openapi):
        if "requestBody" in operation:
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            schema = openapi["components"]["schemas"][ref.rsplit("/", 1)[1]]
            assert schema["examples"], key
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                assert parameter["examples"], (key, parameter["name"])


def test_task_operations_require_a_bearer_token(openapi):
    schemes = openapi["components"]["securitySchemes"]
    for (method, path), operation in operations(openapi):
        if path.startswith("/api/{user_id}") or path == "/api/auth/me":
            [requirement] = operation["security"]
            [name] = requirement
            assert schemes[name]["type"] == "http"
            assert (schemes[name]["scheme"], schemes[name]["bearerFormat"]) == ("bearer", "JWT")


def test_the_task_schema_states_the_contracts_limits(openapi):
    schemas = openapi["components"]["schemas"]
    title = schemas["TaskIn"]["properties"]["title"]
    description = schemas["TaskIn"]["properties"]["description"]["anyOf"][0]

    assert (title["minLength"], title["maxLength"]) == (1, 200)
    assert description["maxLength"] == 1000
    for body in ("TaskIn", "TaskPut"):
        assert schemas[body]["additionalProperties"] is False
        assert schemas[body]["required"] == ["title"]
    assert schemas["TaskPatch"]["additionalProperties"] is False
    assert "required" not in schemas["TaskPatch"]


@pytest.mark.parametrize("debug", [True, False])
def test_the_docs_page_loads_its_assets_from_this_server(client, settings, debug):
    settings.DEBUG = debug
    page = client.get("/api/docs")

    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-init.js"):
        response = client.get(f"/static/ninja/{asset}")
        assert response.status_code == 200, asset


def test_the_admin_stylesheet_is_served_with_debug_off(client, settings):
    settings.DEBUG = False
    # As production serves it: from the files found when the middleware loads.
    settings.WHITENOISE_AUTOREFRESH = False

    assert client.get("/static/admin/css/base.css").status_code == 200
