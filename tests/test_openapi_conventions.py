"""The OpenAPI conventions (README "OpenAPI conventions"), held for every operation, present and future.

Each rule is one a generated client depends on; a new endpoint that breaks one
fails here with the operation named.
"""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from ninja import Router

from todoproject.api import api
from todoproject.openapi import BEARER, BODY_ERRORS, ERROR_HEADERS, DocumentedAPI, status_map
from todoproject.schemas import BODY_PARAMETER

pytestmark = pytest.mark.django_db

JAVASCRIPT_MAX_SAFE_INTEGER = 2**53 - 1
SINGLE_TASK = {"createTask": 201, "getTask": 200, "replaceTask": 200, "updateTask": 200, "setTaskCompletion": 200}


@pytest.fixture
def openapi(client) -> dict:
    return client.get("/api/openapi.json").json()


def operations(openapi: dict):
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            yield f"{method} {path}", operation


def walk(node, path=()):
    """Every (path, dict) in the document, depth first."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))


def test_operation_ids_are_the_ones_a_person_would_write(openapi):
    ids = {key: operation["operationId"] for key, operation in operations(openapi)}

    assert {
        "post /api/auth/register": "register",
        "post /api/auth/token": "createToken",
        "get /api/auth/me": "getCurrentUser",
        "post /api/auth/refresh": "refreshToken",
        "post /api/auth/logout": "logout",
        "post /api/auth/password": "changePassword",
        "post /api/auth/tokens": "createPersonalAccessToken",
        "get /api/auth/tokens": "listPersonalAccessTokens",
        "delete /api/auth/tokens/{token_id}": "deletePersonalAccessToken",
        "get /api/{user_id}/tasks": "listTasks",
        "post /api/{user_id}/tasks": "createTask",
        "get /api/{user_id}/tasks/{task_id}": "getTask",
        "put /api/{user_id}/tasks/{task_id}": "replaceTask",
        "patch /api/{user_id}/tasks/{task_id}": "updateTask",
        "delete /api/{user_id}/tasks/{task_id}": "deleteTask",
        "patch /api/{user_id}/tasks/{task_id}/complete": "setTaskCompletion",
    }.items() <= ids.items()
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", value) for value in ids.values()), ids
    assert len(set(ids.values())) == len(ids)


def test_an_operation_without_an_operation_id_is_refused():
    router = Router()

    @router.get("/things", response=status_map({200: None}))
    def list_things(request):
        return None

    unnamed = DocumentedAPI(urls_namespace="unnamed")
    unnamed.add_router("/", router)

    with pytest.raises(ImproperlyConfigured, match=r"list_things has no operation_id"):
        unnamed.get_openapi_schema(path_prefix="/")


def test_every_tag_is_declared_at_the_top_with_a_description(openapi):
    declared = {tag["name"]: tag["description"] for tag in openapi["tags"]}

    for key, operation in operations(openapi):
        [tag] = operation["tags"]
        assert declared.get(tag), (key, tag)


def test_every_parameter_is_described_and_never_null(openapi):
    for key, operation in operations(openapi):
        for parameter in operation.get("parameters", []):
            where = (key, parameter["name"])
            assert parameter.get("description"), where
            assert {"type": "null"} not in parameter["schema"].get("anyOf", []), where
            assert isinstance(parameter.get("examples", {}), dict), where


def test_every_operation_that_reads_a_body_declares_what_a_bad_body_gets(openapi):
    for key, operation in operations(openapi):
        if "requestBody" in operation:
            assert set(map(str, BODY_ERRORS)) <= set(operation["responses"]), key
            # An optional body is left out, never null (the toggle's only way to toggle).
            assert list(operation["requestBody"]["content"]["application/json"]["schema"]) == ["$ref"], key


def test_every_body_parameter_is_named_as_error_locations_expect():
    # Validation errors drop this name from `loc` (todoproject/schemas.py).
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    if model.__ninja_param_source__ == "body":
                        assert list(model.model_fields) == [BODY_PARAMETER], operation.operation_id


def test_responses_declare_the_headers_they_carry(openapi):
    headers = openapi["components"]["headers"]
    by_id = {operation["operationId"]: operation for _, operation in operations(openapi)}

    def declared(operation: dict, status: int) -> set[str]:
        refs = operation["responses"][str(status)].get("headers", {})
        assert all(ref["$ref"] == f"#/components/headers/{name}" for name, ref in refs.items())
        return set(refs)

    for operation_id, status in SINGLE_TASK.items():
        assert "ETag" in declared(by_id[operation_id], status), operation_id
    assert "Location" in declared(by_id["createTask"], 201)
    assert "Link" in declared(by_id["listTasks"], 200)
    for key, operation in operations(openapi):
        for status, names in ERROR_HEADERS.items():
            if str(status) in operation["responses"]:
                assert set(names) <= declared(operation, status), (key, status)
    assert headers["ETag"]["schema"]["type"] == "string"
    assert headers["Retry-After"]["schema"]["type"] == "integer"


def test_one_bearer_scheme_and_an_empty_requirement_where_no_token_is_needed(openapi):
    [(name, scheme)] = openapi["components"]["securitySchemes"].items()

    assert name == BEARER
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    for key, operation in operations(openapi):
        assert operation["security"] in ([], [{BEARER: []}]), key
    public = {key for key, operation in operations(openapi) if operation["security"] == []}
    # Refresh too: its refresh token is in the body, not a bearer token.
    assert public == {"post /api/auth/register", "post /api/auth/token", "post /api/auth/refresh"}


def test_the_document_names_its_servers(openapi):
    assert openapi["servers"] and all(server["url"] for server in openapi["servers"])


def test_errors_have_a_schema_name_no_language_owns_and_the_422_an_example(openapi):
    schemas = openapi["components"]["schemas"]

    assert "Error" not in schemas
    [example] = schemas["ValidationErrorOut"]["examples"]
    assert example["detail"][0]["loc"] == ["body", "title"]
    for key, operation in operations(openapi):
        if "422" in operation["responses"]:
            schema = operation["responses"]["422"]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ValidationErrorOut"}, key


def test_examples_are_lists_as_openapi_3_1_has_them_never_example(openapi):
    for path, node in walk(openapi):
        assert "example" not in node, path
        if "examples" in node and "schema" not in node:
            assert isinstance(node["examples"], list), path


def test_no_property_carries_a_title_made_from_its_name(openapi):
    for name, schema in openapi["components"]["schemas"].items():
        for prop, details in schema.get("properties", {}).items():
            assert "title" not in details, (name, prop)
    for key, operation in operations(openapi):
        for parameter in operation.get("parameters", []):
            assert "title" not in parameter["schema"], (key, parameter["name"])


def test_no_bound_is_a_number_javascript_cannot_hold(openapi):
    for path, node in walk(openapi):
        for bound in ("maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum"):
            if isinstance(node.get(bound), int):
                assert abs(node[bound]) <= JAVASCRIPT_MAX_SAFE_INTEGER, path
