"""Issuing and verifying the JWT access tokens of the contract.

A token's ``sub`` is the user id as a string; ``exp`` is required. Tokens
minted by another service with the same secret (a front end's auth server)
are accepted on the same terms, so nothing here depends on claims only we set.
"""

import re
from datetime import timedelta

import jwt
from django.conf import settings
from django.utils import timezone

from todoproject.schemas import MAX_ID
from users.models import User

_USER_ID = re.compile(r"[1-9][0-9]{0,18}")


def access_token_issue(*, user: User) -> tuple[str, int]:
    """Return a signed access token for ``user`` and its lifetime in seconds."""
    ttl = settings.JWT_ACCESS_TOKEN_TTL
    now = timezone.now()
    claims = {"sub": str(user.pk), "iat": now, "exp": now + timedelta(seconds=ttl)}
    if settings.JWT_ISSUER:
        claims["iss"] = settings.JWT_ISSUER
    if settings.JWT_AUDIENCE:
        claims["aud"] = settings.JWT_AUDIENCE
    return jwt.encode(claims, settings.JWT_SECRET, algorithm=settings.JWT_ALGORITHM), ttl


def access_token_user_id(token: str) -> int | None:
    """The user id a valid token speaks for, or None for any invalid token."""
    try:
        claims = jwt.decode(
            token,
            settings.JWT_SECRET,
            # An allow-list of one: never "none", never a key-confusion switch.
            algorithms=[settings.JWT_ALGORITHM],
            audience=settings.JWT_AUDIENCE,
            issuer=settings.JWT_ISSUER,
            leeway=settings.JWT_LEEWAY,
            options={"require": ["exp", "sub"], "verify_aud": settings.JWT_AUDIENCE is not None},
        )
    except jwt.InvalidTokenError:
        return None
    subject = claims["sub"]
    if not _USER_ID.fullmatch(subject) or int(subject) > MAX_ID:
        return None
    return int(subject)
