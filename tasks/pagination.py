"""Opaque keyset cursors over the (created_at, id) order of the task list.

A cursor names the last task of a page; the next page is every task strictly
after it in list order. Unlike an offset it stays correct while tasks are
added or removed, and it costs one index range scan at any depth.
"""

import base64
import binascii
from datetime import datetime
from typing import Annotated, NamedTuple

from django.http import HttpRequest
from django.utils.http import urlencode
from pydantic import AfterValidator, StringConstraints

from tasks.timestamps import from_micros, to_micros
from todoproject.schemas import MAX_ID

_INVALID = "invalid cursor: follow the Link header of the previous page"


class Position(NamedTuple):
    created_at: datetime
    id: int


def cursor_encode(position: Position) -> str:
    raw = f"{to_micros(position.created_at)}.{position.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str) -> Position:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        micros_text, id_text = raw.split(".")
        created_at = from_micros(int(micros_text))
        task_id = int(id_text)
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError) as exc:
        raise ValueError(_INVALID) from exc
    if not 1 <= task_id <= MAX_ID:
        raise ValueError(_INVALID)
    return Position(created_at, task_id)


Cursor = Annotated[str, StringConstraints(max_length=64), AfterValidator(cursor_decode)]


def next_page_link(request: HttpRequest, after: Position) -> str:
    """The ``Link`` header value for the page after ``after``, keeping the other query parameters."""
    query = [(key, value) for key, values in request.GET.lists() if key != "cursor" for value in values]
    query.append(("cursor", cursor_encode(after)))
    return f'<{request.build_absolute_uri(f"{request.path}?{urlencode(query)}")}>; rel="next"'
