"""Opaque keyset cursors over the task list's orders.

A cursor names the last task of a page by its place in the list's order (the
sort's key, then created_at and id); the next page is every task strictly
after it. Unlike an offset it stays correct while tasks are added, changed or
removed, and it costs one index range scan at any depth.

A cursor is bound to the filters and sort it was made for: it carries a hash
of them, and a request whose own differ is refused (a key of one order means
nothing in another).
"""

import base64
import binascii
import hashlib
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from django.http import HttpRequest
from django.utils.http import urlencode

from tasks.timestamps import from_micros, to_micros
from todoproject.schemas import MAX_ID

INVALID_CURSOR = "invalid cursor: follow the Link header of the previous page"
OTHER_QUERY = "this cursor was made for other filters or another sort: follow the Link header of the previous page"
# Room for a title sort's key: 200 characters, lower-cased, JSON-escaped, base64.
CURSOR_MAX_LENGTH = 2048
# Which Python type each sort's key has in a cursor (None: the sort has no key of its own).
KEY_TYPES: dict[str, type | None] = {
    "-created_at": None,
    "created_at": datetime,
    "due": int,
    "-priority": int,
    "-updated_at": datetime,
    "title": str,
}


class Position(NamedTuple):
    key: Any
    created_at: datetime
    id: int


class CursorMismatch(ValueError):
    """A well-formed cursor made for another query."""


def query_binding(normalised_query: Any) -> str:
    """A short hash of the filters and sort (already normalised: the same
    query written differently binds the same)."""
    return hashlib.sha256(orjson.dumps(normalised_query)).hexdigest()[:16]


def cursor_encode(position: Position, binding: str) -> str:
    key = to_micros(position.key) if isinstance(position.key, datetime) else position.key
    raw = orjson.dumps([binding, key, to_micros(position.created_at), position.id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str, *, sort: str, binding: str) -> Position:
    """The position a cursor names; ValueError when it is not one of ours,
    CursorMismatch when it was made for another query."""
    try:
        if len(cursor) > CURSOR_MAX_LENGTH:
            raise ValueError
        made_for, key, micros, task_id = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        created_at = from_micros(_strict_int(micros))
        key = _key(key, KEY_TYPES[sort])
        if not isinstance(made_for, str) or not 1 <= _strict_int(task_id) <= MAX_ID:
            raise ValueError
    except (binascii.Error, orjson.JSONDecodeError, TypeError, ValueError, OverflowError) as exc:
        raise ValueError(INVALID_CURSOR) from exc
    if made_for != binding:
        raise CursorMismatch(OTHER_QUERY)
    return Position(key, created_at, task_id)


def _strict_int(value: Any) -> int:
    # JSON true is an int to Python; a float is not an id or an instant.
    if type(value) is not int:
        raise ValueError
    return value


def _key(value: Any, kind: type | None) -> Any:
    if kind is None:
        if value is not None:
            raise ValueError
        return None
    if kind is datetime:
        return from_micros(_strict_int(value))
    if kind is int:
        # due_rank and priority are bigint columns at most.
        if not -(2**63) <= _strict_int(value) < 2**63:
            raise ValueError
        return value
    if type(value) is not str or "\x00" in value:
        raise ValueError
    return value


def next_page_link(request: HttpRequest, after: Position, binding: str) -> str:
    """The ``Link`` header value for the page after ``after``, keeping the other query parameters."""
    query = [(key, value) for key, values in request.GET.lists() if key != "cursor" for value in values]
    query.append(("cursor", cursor_encode(after, binding)))
    return f'<{request.build_absolute_uri(f"{request.path}?{urlencode(query)}")}>; rel="next"'
