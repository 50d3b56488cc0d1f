"""Verifying the tokens of a front end's identity provider (Better Auth's jwt()
plugin, any OpenID Connect provider): the contract's "Identity".

The key comes from the provider's key set by the token's ``kid``, and only
the algorithm that key is for, if the settings allow it, verifies it: the
token's header names a key, never how to check it. ``exp``, ``iss``, ``aud``
and ``sub`` are required, with the leeway of the service's own tokens.
"""

import re
import time
from dataclasses import dataclass
from functools import lru_cache

import jwt
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from jwt.exceptions import InvalidAlgorithmError, InvalidIssuerError, InvalidSubjectError, InvalidTokenError

from identities.keys import Provider, UnknownKey, configured_providers, key_set
from identities.services import identity_user_id
from users.models import EMAIL_MAX_LENGTH, normalize_email
from users.tokens import require_numeric_time_claims

# OpenID Connect Core §2: at most 255 ASCII characters, case-sensitive.
_SUBJECT = re.compile(r"[\x21-\x7e]{1,255}")


@dataclass(frozen=True)
class ExternalClaims:
    """What a verified provider token says about its user."""

    issuer: str
    subject: str
    email: str | None
    expires: float
    kid: str


def external_token_claims(token: str) -> ExternalClaims | None:
    """The verified claims of a configured provider's token, or None for any
    invalid token. Raises KeySetUnavailable (503) when the provider's keys
    cannot be fetched and none cached fits."""
    providers = configured_providers()
    if not providers:
        return None
    try:
        claims = _verified(
            token,
            providers=tuple(providers.values()),
            algorithms=tuple(settings.EXTERNAL_JWT_ALGORITHMS),
            leeway=settings.JWT_LEEWAY,
        )
        # A remembered verification still needs its token unexpired and its
        # key still in the provider's set: a key rotated out is refused from
        # the key set's next fetch on.
        if claims.expires <= time.time() - settings.JWT_LEEWAY:
            return None
        key_set(providers[claims.issuer]).key(claims.kid)
    except (InvalidTokenError, UnknownKey):
        return None
    return claims


# As users/tokens.py does for the service's own tokens: a front end sends one
# token for its whole life, so its verification is remembered (successes only).
@lru_cache(maxsize=4096)
def _verified(
    token: str, *, providers: tuple[Provider, ...], algorithms: tuple[str, ...], leeway: int
) -> ExternalClaims:
    header = jwt.get_unverified_header(token)
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise InvalidTokenError("the token names no key (kid)")
    # The unverified issuer only chooses whose keys to try; decode checks it.
    issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
    provider = next((provider for provider in providers if provider.issuer == issuer), None)
    if provider is None:
        raise InvalidIssuerError("not a configured issuer")
    key = key_set(provider).key(kid)
    if key.algorithm_name not in algorithms:
        raise InvalidAlgorithmError(f"{key.algorithm_name} is not an allowed algorithm")
    claims = jwt.decode(
        token,
        key,
        algorithms=[key.algorithm_name],
        audience=provider.audience,
        issuer=provider.issuer,
        leeway=leeway,
        options={"require": ["exp", "iss", "aud", "sub"]},
    )
    require_numeric_time_claims(claims)
    if not _SUBJECT.fullmatch(claims["sub"]):
        raise InvalidSubjectError("sub is not 1-255 printable ASCII characters")
    return ExternalClaims(provider.issuer, claims["sub"], _contact_email(claims.get("email")), claims["exp"], kid)


def _contact_email(value: object) -> str | None:
    """The ``email`` claim as stored (lower-cased), or None if absent or not an email."""
    if not isinstance(value, str):
        return None
    email = normalize_email(value)
    if len(email) > EMAIL_MAX_LENGTH:
        return None
    try:
        validate_email(email)
    except DjangoValidationError:
        return None
    return email


@dataclass(frozen=True)
class ExternalUser:
    """The local user a provider's token speaks for, and the identity it came as."""

    pk: int
    issuer: str
    subject: str


def external_token_user(token: str) -> ExternalUser | None:
    """The local user of a valid provider token (made on the identity's first
    token), or None for any invalid token; raises KeySetUnavailable (503)."""
    claims = external_token_claims(token)
    if claims is None:
        return None
    user_id = identity_user_id(issuer=claims.issuer, subject=claims.subject, email=claims.email)
    return ExternalUser(user_id, claims.issuer, claims.subject)
