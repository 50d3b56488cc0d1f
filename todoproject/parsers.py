"""The one reading of a request's JSON body, for Ninja and the throttles alike.

Two parsers disagreeing about one body is how the per-email login limit was
walked around: its own parse (orjson) failed on a BOM, UTF-16 or a NaN and
let the request through uncounted, while Ninja's (json.loads) read the
password from it. Now the body is parsed once, strictly, and the result (or
the failure) is kept on the request for everyone who reads it.

RFC 8259: JSON exchanged between systems is UTF-8, a parser may ignore a
leading BOM (we do), names should be unique (a duplicate is refused: two
readers may pick different values), and NaN and Infinity are not JSON.

A body sent as anything but JSON is refused too (415, todoproject/api.py):
browsers send text/plain, form and multipart bodies (and bodies with no
type) to any origin without a CORS preflight, so with them a page anywhere
could register accounts blind. A JSON body needs the preflight, which only
CORS_ALLOWED_ORIGINS pass.
"""

import json
import math
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser

_BOM = b"\xef\xbb\xbf"
_PARSED = "_strict_json"


class BodyNotJSON(ValueError):
    pass


class NotJSONMediaType(BodyNotJSON):
    def __init__(self) -> None:
        super().__init__("The body must be JSON (Content-Type: application/json).")


def _is_json(request: HttpRequest) -> bool:
    media_type = request.content_type or ""
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        return False
    return request.content_params.get("charset", "utf-8").lower() == "utf-8"


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise BodyNotJSON("duplicate name in an object")
    return result


def _not_json(constant: str) -> float:
    raise BodyNotJSON(f"{constant} is not JSON")


def _finite(number: str) -> float:
    value = float(number)
    if not math.isfinite(value):
        raise BodyNotJSON(f"{number} is out of range")
    return value


def _parse(body: bytes) -> Any:
    try:
        text = body.removeprefix(_BOM).decode("utf-8")
        return json.loads(text, object_pairs_hook=_object, parse_constant=_not_json, parse_float=_finite)
    # ValueError covers bad UTF-8, bad JSON and integers past Python's
    # digit limit; RecursionError very deep nesting.
    except (ValueError, RecursionError) as exc:
        raise BodyNotJSON(str(exc)) from exc


def request_json(request: HttpRequest) -> Any:
    """The body as JSON, parsed on the first call; BodyNotJSON if it is not
    (NotJSONMediaType if it does not even say so).

    Raises RequestDataTooBig for a body over the size limit.
    """
    if not hasattr(request, _PARSED):
        try:
            if not _is_json(request):
                raise NotJSONMediaType
            setattr(request, _PARSED, _parse(request.body))
        except BodyNotJSON as exc:
            setattr(request, _PARSED, exc)
    parsed = getattr(request, _PARSED)
    if isinstance(parsed, BodyNotJSON):
        raise parsed
    return parsed


class StrictJSONParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        return request_json(request)
