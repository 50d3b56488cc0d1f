"""Schemas and field types shared by every app's API."""

import json
import re
import unicodedata
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

# Category Cc covers NUL and the other C0/C1 controls; Cs (lone surrogates)
# cannot be encoded as UTF-8 and would fail in the database driver.
_FORBIDDEN_CATEGORIES = {"Cc", "Cs"}


def _reject_control_characters(allowed: frozenset[str]):
    def check(value: str) -> str:
        for char in value:
            if char not in allowed and unicodedata.category(char) in _FORBIDDEN_CATEGORIES:
                raise ValueError(f"control character U+{ord(char):04X} is not allowed")
        return value

    return AfterValidator(check)


# Single-line text: no control characters at all.
NoControlChars = _reject_control_characters(frozenset())
# Multi-line text: line breaks and tabs are content, other controls are not.
NoControlCharsExceptWhitespace = _reject_control_characters(frozenset("\n\r\t"))

_ZWJ = "\u200d"


def _joins_two_visible_characters(value: str, index: int) -> bool:
    if index == 0 or index == len(value) - 1:
        return False
    return all(
        not neighbour.isspace() and unicodedata.category(neighbour) != "Cf"
        for neighbour in (value[index - 1], value[index + 1])
    )


def _reject_format_characters(value: str) -> str:
    for index, char in enumerate(value):
        if unicodedata.category(char) != "Cf":
            continue
        # Emoji sequences (👩‍💻) and some scripts join two visible
        # characters with it; anywhere else it is as invisible as the rest.
        if char == _ZWJ and _joins_two_visible_characters(value, index):
            continue
        raise ValueError(f"invisible format character U+{ord(char):04X} is not allowed")
    return value


# Text shown as a label (titles): category Cf is invisible (zero-width spaces,
# BOMs) or reorders what is shown (U+202E right-to-left override), so a title
# could look empty or read differently from what it is.
NoFormatChars = AfterValidator(_reject_format_characters)


def max_length_after_normalising(max_length: int) -> AfterValidator:
    """The length checked again after a normaliser: lower-casing can lengthen a
    string ("İ" is two code points lower-cased), past what the column holds."""

    def check(value: str) -> str:
        if len(value) > max_length:
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters",
                {"max_length": max_length},
            )
        return value

    return AfterValidator(check)


def _query_bool(value: Any) -> bool:
    # Pydantic's lax bool takes 1, yes, on, t...; the contract says true|false.
    if value not in ("true", "false"):
        raise PydanticCustomError("bool_parsing", "Input should be 'true' or 'false'")
    return value == "true"


# A query-string boolean: exactly "true" or "false", as strict as the body's booleans.
QueryBool = Annotated[bool, BeforeValidator(_query_bool)]


def _query_int(value: Any) -> Any:
    # int() and pydantic's lax mode take " 7", "+7", "٧" and "7.0".
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise PydanticCustomError("int_parsing", "Input should be a whole number in decimal digits")
    return value


# A query-string integer: ASCII digits only.
QueryInt = Annotated[int, BeforeValidator(_query_int)]


def _no_default(schema: dict[str, Any]) -> None:
    del schema["default"]


def defaults_to(value: Any, description: str) -> Any:
    """A request body field that may be left out, and then is ``value``.

    The default is said in the description, not as the schema's ``default``:
    openapi-typescript makes a property with a default required in the body's
    type, so a TypeScript client could not leave the field out.
    """
    return Field(value, description=f"{description} Default: `{json.dumps(value)}`.", json_schema_extra=_no_default)


# Every id the database can hold; a larger number is a validation error,
# not a bigint overflow inside PostgreSQL.
MAX_ID = 2**63 - 1


def _fits_bigint(value: int) -> int:
    if value > MAX_ID:
        raise PydanticCustomError("less_than_equal", "Input should be less than or equal to {le}", {"le": MAX_ID})
    return value


# The bound is checked here rather than stated as the schema's `maximum`:
# 2**63 - 1 is no JavaScript number, and a generated client would round it.
# `int64` says the same to a reader and a generator.
Id = Annotated[int, Field(ge=1, json_schema_extra={"format": "int64"}), AfterValidator(_fits_bigint)]


def _canonical_decimal(value: object) -> object:
    # pydantic's lax int takes "1.0", "+1", " 1", "01" and "1_0" from a path.
    if isinstance(value, str) and not _CANONICAL_ID.fullmatch(value):
        raise PydanticCustomError("int_parsing", "Input should be an id in canonical decimal")
    return value


_CANONICAL_ID = re.compile(r"[1-9][0-9]{0,18}")
# An id in a path, exactly as /api/auth/me or a list gives it.
PathId = Annotated[Id, BeforeValidator(_canonical_decimal)]


# Ninja names the body after the view's parameter (`payload`): it is no part
# of the request, so errors leave it out of `loc` (["body", "title"]).
BODY_PARAMETER = "payload"


# Not `Error`: TypeScript's and Swift's built-in, which a generated type would shadow.
class ErrorOut(Schema):
    """Every error but a validation error."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"detail": "Not found."}]})

    detail: str


class ValidationErrorItem(Schema):
    loc: list[str | int] = Field(description='Where, as the client sent it: `["body", "title"]`, `["query", "limit"]`')
    msg: str
    type: str


class ValidationErrorOut(Schema):
    """422: every offending field at once."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "detail": [
                        {"loc": ["body", "title"], "msg": "Field required", "type": "missing"},
                        {"loc": ["query", "limit"], "msg": "Input should be less than or equal to 500", "type": "less_than_equal"},
                    ]
                }
            ]
        }
    )

    detail: list[ValidationErrorItem]


def client_loc(loc: tuple | list) -> list[str | int]:
    """``loc`` as the client sent it: without the body parameter's name."""
    if len(loc) >= 2 and loc[0] == "body" and loc[1] == BODY_PARAMETER:
        return ["body", *loc[2:]]
    return list(loc)


def error_items(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the documented keys only (pydantic's ``ctx`` may hold exception objects)."""
    return [{"loc": client_loc(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors]
