"""Issuing and verifying the JWT access tokens of the contract.

A token's ``sub`` is the user id as a string; ``exp`` is required. Tokens
minted by another service with the same secret (a front end's auth server)
are accepted on the same terms. The service's own also name their session
(``sid``, the session id as a string, as OpenID Connect's claim of that name
does), which must still be open when the token is used (signin/credentials.py):
a token signed elsewhere must not carry a ``sid`` of its own.
"""

import binascii
import json
import re
import time
from datetime import timedelta
from functools import lru_cache

import jwt
from django.conf import settings
from django.utils import timezone
from jwt.exceptions import DecodeError, InvalidSubjectError, InvalidTokenError
from jwt.utils import base64url_decode

from todoproject.schemas import MAX_ID
from users.models import User

_ID = re.compile(r"[1-9][0-9]{0,18}")


def access_token_issue(*, user: User, session_id: int) -> tuple[str, int]:
    """Return a signed access token of ``user``'s session and its lifetime in seconds."""
    ttl = settings.JWT_ACCESS_TOKEN_TTL
    now = timezone.now()
    claims = {"sub": str(user.pk), "sid": str(session_id), "iat": now, "exp": now + timedelta(seconds=ttl)}
    if settings.JWT_ISSUER:
        claims["iss"] = settings.JWT_ISSUER
    if settings.JWT_AUDIENCE:
        claims["aud"] = settings.JWT_AUDIENCE
    return jwt.encode(claims, settings.JWT_SECRET, algorithm=settings.JWT_ALGORITHM), ttl


def is_signed_with_the_secret(token: str) -> bool:
    """Whether the token's header names the algorithm of JWT_SECRET: one of
    the service's own kind, not an identity provider's (identities/)."""
    return _header_algorithm(token.partition(".")[0]) == settings.JWT_ALGORITHM


# Trying a provider's token as one of our own first cost a failed PyJWT
# decode per request, ten times a cached verification; the few distinct
# headers a deployment sees (one per key) are remembered instead.
@lru_cache(maxsize=64)
def _header_algorithm(segment: str) -> object:
    try:
        header = json.loads(base64url_decode(segment))
    except (ValueError, binascii.Error):
        return None
    return header.get("alg") if isinstance(header, dict) else None


def access_token_subject(token: str) -> tuple[int, int | None] | None:
    """(user id, session id or None) of a valid token, or None for any invalid
    token; whether the session is still open is the database's to say."""
    try:
        user_id, session_id, expires = _verified(
            token,
            secret=settings.JWT_SECRET,
            algorithm=settings.JWT_ALGORITHM,
            audience=settings.JWT_AUDIENCE,
            issuer=settings.JWT_ISSUER,
            leeway=settings.JWT_LEEWAY,
        )
    except jwt.InvalidTokenError:
        return None
    # A verified token only ever becomes invalid by expiring (nbf and iat
    # grow truer with time), so a cached verification needs this check alone;
    # it is PyJWT's own, leeway included.
    # (An ended session is no exception: the database is asked on every
    # request, so no worker's cache can outlive a revocation.)
    if expires <= time.time() - settings.JWT_LEEWAY:
        return None
    return user_id, session_id


# A client sends one token with every call for the token's whole life, and
# PyJWT's decode (its key checks, strict base64, three JSON parses) was a
# sixth of the worker's instructions per get (293,000 of 1.77 million,
# counted with callgrind). So a verification is remembered, keyed by
# the token and every setting it was checked against. Only successes are
# kept (lru_cache keeps no exceptions): a flood of bad tokens stores nothing.
# 4,096 tokens are about 2 MB per worker.
@lru_cache(maxsize=4096)
def _verified(
    token: str, *, secret: str, algorithm: str, audience: str | None, issuer: str | None, leeway: int
) -> tuple[int, int | None, int]:
    """(user id, session id or None, exp) of a valid token; raises jwt.InvalidTokenError otherwise."""
    claims = jwt.decode(
        token,
        secret,
        # An allow-list of one: never "none", never a key-confusion switch.
        algorithms=[algorithm],
        audience=audience,
        issuer=issuer,
        leeway=leeway,
        options={"require": ["exp", "sub"], "verify_aud": audience is not None},
    )
    require_numeric_time_claims(claims)
    subject, session = claims["sub"], claims.get("sid")
    if not _is_id(subject):
        raise InvalidSubjectError("sub is not a user id")
    if session is not None and not _is_id(session):
        raise InvalidTokenError("sid is not a session id")
    return int(subject), None if session is None else int(session), int(claims["exp"])


def _is_id(value: object) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None and int(value) <= MAX_ID


def require_numeric_time_claims(claims: dict) -> None:
    """Raise DecodeError unless exp, nbf and iat, where present, are JSON numbers.

    RFC 7519 §2 makes them NumericDate values; PyJWT checks them with int(),
    which also takes "1796158601" or true.
    """
    for name in ("exp", "nbf", "iat"):
        value = claims.get(name)
        if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise DecodeError(f"{name} must be a number")
