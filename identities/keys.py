"""The identity providers the settings name, and their public keys.

Keys are cached per process: a gunicorn worker fetches a provider's key set
once and uses it for every request until it is JWKS_MAX_AGE old. Per
process because a key set is public, small and cheap to fetch, and a shared
cache (Redis) would put a network round trip and another thing that can fail
in front of every verification. A token whose ``kid`` the cache does not
know makes it fetch again (a rotated key works at once), but at most once per
JWKS_MIN_REFETCH_INTERVAL however many requests carry unknown kids, so a
flood of made-up kids costs the provider one request per interval. PyJWT's
PyJWKClient is not used for this: during its refetch cooldown it refuses a
freshly rotated kid, and its errors do not tell "no such key" (401) from
"the key set cannot be fetched" (503).
"""

import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from jwt import PyJWK
from jwt.exceptions import PyJWTError

logger = logging.getLogger(__name__)

# A key set or discovery document larger than this is not one.
_MAX_DOCUMENT_BYTES = 512 * 1024


class KeySetUnavailable(Exception):
    """The provider's keys cannot be checked for this kid now: 503, retry after
    ``retry_after`` seconds (the key set is unreachable, or was fetched too
    recently to fetch it again for a kid it did not have)."""

    def __init__(self, issuer: str, *, retry_after: float) -> None:
        super().__init__(issuer)
        self.retry_after = retry_after


class UnknownKey(Exception):
    """The provider's current key set has no usable key with this kid: 401."""


@dataclass(frozen=True)
class Provider:
    """Whose tokens are accepted, for which audience, and where its keys are:
    ``jwks_url`` when known (Better Auth), else found through ``discovery_url``."""

    issuer: str
    audience: str
    jwks_url: str | None = None
    discovery_url: str | None = None


def configured_providers() -> dict[str, Provider]:
    """The providers the settings name, by issuer (possibly none)."""
    return _providers(
        settings.BETTER_AUTH_URL,
        settings.BETTER_AUTH_ISSUER,
        settings.BETTER_AUTH_AUDIENCE,
        settings.OIDC_ISSUER,
        settings.OIDC_AUDIENCE,
    )


@lru_cache(maxsize=8)
def _providers(
    better_auth_url: str | None,
    better_auth_issuer: str | None,
    better_auth_audience: str | None,
    oidc_issuer: str | None,
    oidc_audience: str | None,
) -> dict[str, Provider]:
    providers = []
    if better_auth_url:
        providers.append(
            Provider(
                better_auth_issuer, better_auth_audience, jwks_url=f"{better_auth_url.rstrip('/')}/api/auth/jwks"
            )
        )
    if oidc_issuer:
        discovery_url = f"{oidc_issuer.rstrip('/')}/.well-known/openid-configuration"
        providers.append(Provider(oidc_issuer, oidc_audience, discovery_url=discovery_url))
    return {provider.issuer: provider for provider in providers}


@lru_cache(maxsize=8)
def key_set(provider: Provider) -> "KeySet":
    """The one key cache of ``provider`` in this process."""
    return KeySet(provider)


class KeySet:
    """A provider's public keys by kid, fetched when needed and never more
    often than the settings allow."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self._keys: dict[str, PyJWK] = {}
        # The kid whose absence made the last fetch, which that fetch did
        # not find either: refused (401) until the next fetch.
        self._absent: str | None = None
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._last_attempt_failed = False
        self._jwks_url = provider.jwks_url
        self._lock = threading.Lock()

    def key(self, kid: str) -> PyJWK:
        """The key ``kid`` names; raises UnknownKey or KeySetUnavailable."""
        fresh = self._fetched_at is not None and time.monotonic() - self._fetched_at < settings.JWKS_MAX_AGE
        if fresh and kid in self._keys:
            return self._keys[kid]
        fetched = self._refresh_if_allowed(kid)
        key = self._keys.get(kid)
        if key is not None:
            return key
        if (fetched or kid == self._absent) and not self._last_attempt_failed:
            raise UnknownKey(kid)
        # Unreachable, or a kid first seen since the last fetch (a key
        # rotated in just after it, or a made-up one): it cannot be told
        # which until the next fetch is allowed, so the client retries then.
        raise KeySetUnavailable(self.provider.issuer, retry_after=self._next_fetch_in())

    def _next_fetch_in(self) -> float:
        waited = time.monotonic() - (self._attempted_at or 0.0)
        return max(settings.JWKS_MIN_REFETCH_INTERVAL - waited, 1.0)

    def _refresh_if_allowed(self, kid: str) -> bool:
        """Fetch the key set unless one was attempted too recently; whether it was."""
        with self._lock:
            now = time.monotonic()
            if self._attempted_at is not None and now - self._attempted_at < settings.JWKS_MIN_REFETCH_INTERVAL:
                return False
            self._attempted_at = now
            try:
                self._keys = self._fetch_keys()
            except (OSError, ValueError, http.client.HTTPException) as exc:
                # A warm cache keeps serving the keys it has; a cold one
                # answers 503 until a fetch succeeds.
                self._last_attempt_failed = True
                logger.warning("Cannot fetch the key set of %s: %s", self.provider.issuer, exc)
                return True
            self._fetched_at = time.monotonic()
            self._last_attempt_failed = False
            self._absent = None if kid in self._keys else kid
            return True

    def _fetch_keys(self) -> dict[str, PyJWK]:
        if self._jwks_url is None:
            discovery = _get_json(self.provider.discovery_url)
            # OpenID Connect Discovery 1.0 §4.3: the document must name the
            # very issuer it was fetched for.
            if discovery.get("issuer") != self.provider.issuer:
                raise ValueError(f"the discovery document names the issuer {discovery.get('issuer')!r}")
            jwks_uri = discovery.get("jwks_uri")
            if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
                raise ValueError("the discovery document has no jwks_uri")
            self._jwks_url = jwks_uri
        try:
            document = _get_json(self._jwks_url)
        except (OSError, ValueError, http.client.HTTPException):
            # The provider may have moved its keys: discover them anew next time.
            self._jwks_url = self.provider.jwks_url
            raise
        entries = document.get("keys")
        if not isinstance(entries, list):
            raise ValueError("the key set has no keys array")
        usable = (_usable(entry) for entry in entries)
        return dict(pair for pair in usable if pair is not None)


def _usable(entry: object) -> tuple[str, PyJWK] | None:
    """(kid, key) of an asymmetric signing key PyJWT can use, else None.

    The key fixes its algorithm (its ``alg``, or the one its type and curve
    imply), and only that one verifies with it (identities/tokens.py), if
    the settings allow it: never the token's choice.
    """
    if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
        return None
    if entry.get("use", "sig") != "sig" or entry.get("kty") == "oct":
        return None
    try:
        key = PyJWK(entry)
    except PyJWTError:
        return None
    return entry["kid"], key


def _get_json(url: str) -> dict:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=settings.JWKS_TIMEOUT) as response:  # noqa: S310 - http(s) URLs from settings
            body = response.read(_MAX_DOCUMENT_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise OSError(f"{url} answered {exc.code}") from exc
    if len(body) > _MAX_DOCUMENT_BYTES:
        raise ValueError(f"{url} sent more than {_MAX_DOCUMENT_BYTES} bytes")
    document = json.loads(body)
    if not isinstance(document, dict):
        raise ValueError(f"{url} did not send a JSON object")
    return document
