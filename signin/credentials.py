"""The secrets of sessions and personal access tokens, and what must still
back a bearer token: the one door users/auth.py and tasks/selectors.py use.

A refresh token or personal access token is 256 random bits behind a prefix
(``todo_rt_``, ``todo_pat_``) that secret scanners can match, and the
database keeps only its SHA-256. A password hash (PBKDF2, Argon2) is slow on
purpose because a password can be guessed from a list; 256 random bits
cannot, so a slow hash would add nothing but cost to every request, while a
SHA-256 is found by an indexed equality in microseconds.

A personal access token carries its user's id (``todo_pat_7_<secret>``), so
the path's ``{user_id}`` is checked and a read's own query can confirm the
token, as with an access token, without a lookup first.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from signin.models import PersonalAccessToken, Session
from todoproject.schemas import MAX_ID

REFRESH_TOKEN_PREFIX = "todo_rt_"
PERSONAL_TOKEN_PREFIX = "todo_pat_"
_PERSONAL_TOKEN = re.compile(rf"{PERSONAL_TOKEN_PREFIX}([1-9][0-9]{{0,18}})_[0-9a-f]{{64}}")


def secret_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_refresh_token() -> str:
    return REFRESH_TOKEN_PREFIX + secrets.token_hex(32)


def new_personal_token(*, user_id: int) -> str:
    return f"{PERSONAL_TOKEN_PREFIX}{user_id}_{secrets.token_hex(32)}"


def personal_token_user_id(token: str) -> int | None:
    """The user id a well-formed personal access token names (not yet checked), or None."""
    match = _PERSONAL_TOKEN.fullmatch(token)
    if match is None or int(match.group(1)) > MAX_ID:
        return None
    return int(match.group(1))


@dataclass(frozen=True)
class Credential:
    """What backs a verified token in the database: its session (the service's
    own access tokens), its row (a personal access token), or nothing beyond
    the signature (a token of another service or of an identity provider)."""

    session_id: int | None = None
    token_hash: str | None = None

    @property
    def is_personal_token(self) -> bool:
        return self.token_hash is not None

    def join_sql(self, *, now: datetime) -> tuple[str, list]:
        """An INNER JOIN to add after a query's ``users_user``, and its parameters:
        the query finds nothing once the credential no longer stands."""
        if self.session_id is not None:
            table = Session._meta.db_table
            return (
                f" INNER JOIN {table} ON {table}.user_id = users_user.id"
                f" AND {table}.id = %s AND {table}.ended_at IS NULL",
                [self.session_id],
            )
        if self.token_hash is not None:
            table = PersonalAccessToken._meta.db_table
            return (
                f" INNER JOIN {table} ON {table}.user_id = users_user.id AND {table}.token_hash = %s"
                f" AND {table}.revoked_at IS NULL AND ({table}.expires_at IS NULL OR {table}.expires_at > %s)",
                [self.token_hash, connection.ops.adapt_datetimefield_value(now)],
            )
        return "", []


# A token only its signature backs: another service's, an identity provider's.
SIGNATURE_ONLY = Credential()
