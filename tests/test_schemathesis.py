"""Property-based testing of the whole API against its own OpenAPI document.

Schemathesis generates valid and invalid requests for every operation from
/api/openapi.json and runs them through the WSGI app with a real token. It
checks that no request gets a 5xx, that every response matches the documented
status codes, headers and schemas, and that every error is a JSON object with
``detail``. Every generated JSON body is sent three ways: as generated,
after a UTF-8 BOM, and chunked as gunicorn hands a chunked body to the
application (no Content-Length, the input ended with the body).
``bench/fuzz.sh`` runs the same checks much longer.
"""

import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tasks.models import Task
from tests.conftest import bearer
from todoproject.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
schema.config.generation.update(modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))


def error_bodies_are_json_with_detail(ctx, response, case):
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body, dict) and "detail" in body, f"error body without detail: {body!r}"


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    error_bodies_are_json_with_detail,
]


@pytest.fixture
def no_rate_limits(settings):
    # Hundreds of generated writes from one user would otherwise meet the
    # (documented) 429, and stop exercising the operation behind it.
    settings.THROTTLE_RATES = {}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=os.environ.get("FUZZ_RANDOM") is None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_documented_promises(case, user, no_rate_limits, wsgi_in_test_transaction):
    task = Task.objects.create(user=user, title="Fuzzed")
    if "user_id" in case.path_parameters:
        case.path_parameters["user_id"] = user.pk
    task_id = case.path_parameters.get("task_id")
    if isinstance(task_id, int) and task_id >= 1:
        case.path_parameters["task_id"] = task.pk
    case.headers = {**(case.headers or {}), **bearer(user)}

    # The promises of the contract. Schemathesis' heuristics about which
    # data "should" be accepted are left out: a schema-valid but meaningless
    # cursor is rightly a 422, and the token here is injected, not generated.
    case.call_and_validate(checks=CHECKS)
    if isinstance(case.body, NotSet) or case.media_type != "application/json":
        return
    try:
        body = json.dumps(case.body).encode()
    except TypeError:
        return  # a generated body with bytes in it: not JSON in any framing
    for variant in (
        {"data": b"\xef\xbb\xbf" + body},
        {
            "data": body,
            "environ_overrides": {
                "CONTENT_LENGTH": "",
                "HTTP_TRANSFER_ENCODING": "chunked",
                "wsgi.input_terminated": True,
            },
        },
    ):
        case.validate_response(case.call(**variant), checks=CHECKS)
