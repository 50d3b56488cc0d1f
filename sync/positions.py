"""The `since` tokens of GET /changes: a position in one user's change feed, signed.

A position is a point in the (change number, task id) order of the user's
changes: the next answer lists what comes after it. ``floor`` is the number
a full sync started at: deletions at or below it are of tasks that sync never
listed, so it skips them (and cannot be told 410 for having missed them).

The token is the three numbers and an HMAC of them and the user's id, keyed
by SECRET_KEY: a token of another user, or not made here, does not verify
(410: start again), and a client cannot forge a later position than it was
given. Rotating SECRET_KEY sends every client back to a full sync.
"""

import base64
import binascii
import hmac
import struct
from typing import Annotated, NamedTuple

from django.utils.crypto import salted_hmac
from pydantic import AfterValidator, StringConstraints

from todoproject.schemas import MAX_ID

_NUMBERS = struct.Struct(">QQQ")
_MAC_BYTES = 12
_TOKEN_BYTES = _NUMBERS.size + _MAC_BYTES
_SALT = "sync.positions"


class Position(NamedTuple):
    seq: int
    task_id: int
    floor: int


# Before every change: where a full sync starts.
START = Position(0, 0, 0)


def after_all(seq: int) -> Position:
    """The position after every change numbered up to ``seq``."""
    return Position(seq, MAX_ID, seq)


class PositionRefused(Exception):
    """The token was not made by this service for this user (410)."""


def _mac(numbers: bytes, user_id: int) -> bytes:
    return salted_hmac(_SALT, numbers + str(user_id).encode(), algorithm="sha256").digest()[:_MAC_BYTES]


def position_encode(position: Position, *, user_id: int) -> str:
    numbers = _NUMBERS.pack(*position)
    return base64.urlsafe_b64encode(numbers + _mac(numbers, user_id)).decode()


def _well_formed(token: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise ValueError("invalid token: use the next_since of a previous answer") from exc
    if len(raw) != _TOKEN_BYTES:
        raise ValueError("invalid token: use the next_since of a previous answer")
    return raw


def position_decode(raw: bytes, *, user_id: int) -> Position:
    """The position a well-formed token names; PositionRefused unless it was made for ``user_id``."""
    numbers, mac = raw[: _NUMBERS.size], raw[_NUMBERS.size :]
    if not hmac.compare_digest(mac, _mac(numbers, user_id)):
        raise PositionRefused
    return Position(*_NUMBERS.unpack(numbers))


# A token as the query string carries it: malformed is a 422, naming `since`.
SinceToken = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+={0,2}$"),
    AfterValidator(_well_formed),
]
