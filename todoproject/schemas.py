"""Schemas and field types shared by every app's API."""

import unicodedata
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, Field

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

# Every id the database can hold; a larger number is a validation error,
# not a bigint overflow inside PostgreSQL.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Error(Schema):
    detail: str


class ValidationErrorItem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: list[ValidationErrorItem]


def error_items(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the documented keys only: pydantic's ``ctx`` may hold exception objects."""
    return [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors]
