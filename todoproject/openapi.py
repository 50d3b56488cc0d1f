"""The OpenAPI conventions every operation follows, and the API class that holds them.

Clients are generated from /api/openapi.json (tests/test_generated_clients.py
runs two generators), so the document must say exactly what the service does.
An operation declares, in its decorator (README "OpenAPI conventions"):

- ``operation_id="listTasks"``: camelCase, a verb and a noun, what a person
  would name the function in a generated client. There is no default:
  ``DocumentedAPI`` refuses to invent one.
- ``response=status_map({200: TaskOut}, 401, 404, ...)``: every status it
  can answer, errors with their error schema.
- ``openapi_extra=response_headers({200: [ETAG]})``: the headers its own code
  sets, each a reusable ``components.headers`` entry from ``HEADERS``.
- a ``tags`` entry that is in ``TAGS``, a ``summary``, a description for each
  parameter (``Path/Query/Header(description=...)``), ``examples`` (a list,
  JSON Schema 2020-12) rather than ``example`` in its schemas.

What is the same for every operation is done once, in ``finish_document``:
the headers of the API-wide errors (401, 429, 503), one bearer scheme, no
``null`` for a parameter that is simply left out, no generated ``title`` on
every property.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from ninja import NinjaAPI
from ninja.operation import Operation

from todoproject.schemas import ErrorOut, ValidationErrorOut

# Top-level tags: every operation's tag is one of these (tests/test_docs.py).
TAGS = [
    {"name": "auth", "description": "Accounts and access tokens."},
    {"name": "tasks", "description": "A user's own tasks; every call needs that user's bearer token."},
    {"name": "sync", "description": "What changed since a client last looked, and changes to many tasks at once."},
]

ETAG = "ETag"
LOCATION = "Location"
LINK = "Link"
RETRY_AFTER = "Retry-After"
WWW_AUTHENTICATE = "WWW-Authenticate"

# `required`: present on every response that declares it (Schemathesis checks).
HEADERS: dict[str, dict[str, Any]] = {
    ETAG: {
        "required": True,
        "description": "Strong tag of this version of the task: send it as `If-Match` to write only "
        "that version, or as `If-None-Match` to get a 304 while it is unchanged.",
        "schema": {"type": "string", "examples": ['"1764633600123456"']},
    },
    LOCATION: {
        "required": True,
        "description": "Absolute URL of the task just created.",
        "schema": {"type": "string", "format": "uri", "examples": ["https://todo.example.com/api/7/tasks/12"]},
    },
    LINK: {
        "description": 'The next page, present only when more follow: `<absolute URL>; rel="next"`. '
        "Follow it as it is; its cursor is opaque.",
        "schema": {"type": "string", "examples": ['<https://todo.example.com/api/7/tasks?limit=100&cursor=MTc2NDYzMzYwMDEyMzQ1Ni4xMg>; rel="next"']},
    },
    RETRY_AFTER: {
        "required": True,
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1, "examples": [5]},
    },
    WWW_AUTHENTICATE: {
        "required": True,
        "description": "The scheme to authenticate with: `Bearer`.",
        "schema": {"type": "string", "examples": ["Bearer"]},
    },
}

# Set by the API-wide handlers (todoproject/api.py), so declared wherever the status is.
ERROR_HEADERS: dict[int, tuple[str, ...]] = {401: (WWW_AUTHENTICATE,), 429: (RETRY_AFTER,), 503: (RETRY_AFTER,)}

# What any operation that reads a JSON body can answer: not JSON (400), a
# length the server cannot tell (411, todoproject/middleware.py), over
# DATA_UPLOAD_MAX_MEMORY_SIZE (413), not sent as JSON (415), not valid (422).
BODY_ERRORS = (400, 411, 413, 415, 422)

BEARER = "bearerAuth"
BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "`Authorization: Bearer <access_token>` from `POST /api/auth/token` or `/api/auth/register`.",
}


def status_map(success: Mapping[int, Any], *errors: int) -> dict[int, Any]:
    """An operation's ``response=``: its success answers, then each error status with its schema."""
    return {**success, **{status: ValidationErrorOut if status == 422 else ErrorOut for status in sorted(set(errors))}}


def _header_refs(names: Iterable[str]) -> dict[str, dict[str, str]]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def response_headers(by_status: Mapping[int, Iterable[str]]) -> dict[str, Any]:
    """An operation's ``openapi_extra``: the response headers its own code sets, by status."""
    # Ninja merges this into the operation's responses, which it keys by int.
    return {"responses": {status: {"headers": _header_refs(names)} for status, names in by_status.items()}}


def _operations(document: dict) -> Iterable[dict]:
    for path_item in document["paths"].values():
        yield from path_item.values()


def _one_bearer_scheme(document: dict) -> None:
    # Ninja names a scheme after each auth class: three identical ones here.
    document["components"]["securitySchemes"] = {BEARER: BEARER_SCHEME}
    for operation in _operations(document):
        operation["security"] = [{BEARER: []}] if operation.get("security") else []


def _error_response_headers(document: dict) -> None:
    for operation in _operations(document):
        for status, names in ERROR_HEADERS.items():
            if response := operation["responses"].get(status):
                response.setdefault("headers", {}).update(_header_refs(names))
    document["components"]["headers"] = HEADERS


def _parameters_not_nullable(document: dict) -> None:
    # `str | None = Header(None)` is Python for "may be left out"; a query
    # or header value is never JSON null, and a generated Python client told
    # it may be one hands the None on to httpx, which raises.
    for operation in _operations(document):
        for parameter in operation.get("parameters", []):
            schema = parameter["schema"]
            branches = [branch for branch in schema.get("anyOf", []) if branch != {"type": "null"}]
            if len(branches) == 1 and len(schema["anyOf"]) == 2:
                del schema["anyOf"]
                schema.update(branches[0])


def _parameter_examples(document: dict) -> None:
    # Ninja copies the schema's `examples` list onto the parameter, where
    # OpenAPI wants a map of Example Objects.
    for operation in _operations(document):
        for parameter in operation.get("parameters", []):
            if isinstance(values := parameter.get("examples"), list):
                parameter["examples"] = {f"example{i}": {"value": value} for i, value in enumerate(values, 1)}


def _bodies_by_reference(document: dict) -> None:
    # A body with a default (the toggle's: none) comes wrapped in a one-item
    # allOf, which says nothing more than the $ref (Redocly warns of it).
    for operation in _operations(document):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            if list(media["schema"]) == ["allOf"] and len(media["schema"]["allOf"]) == 1:
                media["schema"] = media["schema"]["allOf"][0]


def _no_generated_titles(document: dict) -> None:
    # Pydantic titles every property after its name ("Completed At"); the
    # name says it already, and generators turn titles into type names.
    for schema in document["components"]["schemas"].values():
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
    for operation in _operations(document):
        for parameter in operation.get("parameters", []):
            parameter["schema"].pop("title", None)


def finish_document(document: dict) -> dict:
    """What holds for every operation, done once after Ninja has built the document."""
    _one_bearer_scheme(document)
    _error_response_headers(document)
    _parameters_not_nullable(document)
    _parameter_examples(document)
    _bodies_by_reference(document)
    _no_generated_titles(document)
    return document


class DocumentedAPI(NinjaAPI):
    """NinjaAPI whose document follows the conventions above."""

    def get_openapi_operation_id(self, operation: Operation) -> str:
        view = operation.view_func
        raise ImproperlyConfigured(
            f"{view.__module__}.{view.__name__} has no operation_id: give it a camelCase one "
            '(operation_id="listTasks"); see README "OpenAPI conventions".'
        )

    def get_openapi_schema(self, **kwargs: Any):
        return finish_document(super().get_openapi_schema(**kwargs))
