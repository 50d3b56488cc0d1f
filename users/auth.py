"""Bearer-token authentication, and the owner check every task route makes.

A bearer token is the service's own (users/tokens.py), a personal access
token (signin/credentials.py) or a front end's identity provider's
(identities/tokens.py, which maps the identity to its local user without a
query once known). Most endpoints then load the token's user, and in the
same query its session or personal access token, which must still stand
(one primary-key query with a join). The task reads and writes instead take
the token's word for who is asking and let their own statement confirm the
user is still active and the credential still stands (tasks/selectors.py
and sync/services.py join both), so each costs one query, not two; only
when it finds or changes nothing is the user looked up, to answer 401
rather than 404 or an empty page. Either way an ended
session or a revoked token is refused by the very next request, in every
process: nothing about it is cached.
"""

from dataclasses import dataclass

from django.http import HttpRequest
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer

from identities.services import identity_forget
from identities.tokens import external_token_user
from signin.credentials import SIGNATURE_ONLY, Credential, personal_token_user_id, secret_hash
from signin.services import personal_token_touch
from users.models import User
from users.selectors import user_get_active
from users.tokens import access_token_subject, is_signed_with_the_secret

# The path's {user_id} may say this instead of the caller's id.
CURRENT_USER = "me"


@dataclass(frozen=True)
class TokenUser:
    """The user a valid token names, not yet looked up in the database, and
    what must still back the token there; with an external token, the
    identity it came as (whose sub may name it in paths)."""

    pk: int
    credential: Credential = SIGNATURE_ONLY
    issuer: str | None = None
    subject: str | None = None


def token_user(token: str) -> TokenUser | None:
    """Who a token speaks for, or None for one that is invalid on its face;
    raises KeySetUnavailable (503)."""
    personal_user_id = personal_token_user_id(token)
    if personal_user_id is not None:
        token_hash = secret_hash(token)
        personal_token_touch(token_hash=token_hash)
        return TokenUser(personal_user_id, Credential(token_hash=token_hash))
    if is_signed_with_the_secret(token):
        subject = access_token_subject(token)
        if subject is None:
            return None
        user_id, session_id = subject
        return TokenUser(user_id, Credential(session_id=session_id))
    external = external_token_user(token)
    if external is None:
        return None
    return TokenUser(external.pk, issuer=external.issuer, subject=external.subject)


def _gone(caller: TokenUser) -> None:
    # A deleted user's identity is linked afresh by its next token.
    if caller.issuer is not None:
        identity_forget(issuer=caller.issuer, subject=caller.subject)


def require_active_user(user: User | TokenUser) -> None:
    """Raise AuthenticationError (401) unless the user exists and is active
    and the token's credential still stands.

    Costs a query only for a TokenUser: a loaded User was checked already.
    """
    if isinstance(user, TokenUser) and user_get_active(user_id=user.pk, credential=user.credential) is None:
        _gone(user)
        raise AuthenticationError


def path_names_caller(path_user_id: str, caller: TokenUser) -> bool:
    """Whether the path's ``{user_id}`` is the caller: ``me``, the id in
    canonical decimal (``7``; not ``07``, ``+7``, ``7.0`` or ``٧``), or an
    external token's ``sub`` exactly."""
    return path_user_id in (CURRENT_USER, str(caller.pk)) or path_user_id == caller.subject


def _require_owner(request: HttpRequest, caller: TokenUser, user: User | TokenUser) -> None:
    # Checked in authentication, before the body and parameters are read, so
    # a caller on someone else's path learns nothing from validation errors either.
    if not path_names_caller(request.resolver_match.kwargs["user_id"], caller):
        require_active_user(user)
        raise AuthorizationError(message="You may only access your own tasks.")


class JWTAuth(HttpBearer):
    """Bearer token whose user still exists and is active, and whose session
    or personal access token still stands: one primary-key query. The
    caller's TokenUser is kept as ``request.caller``."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        caller = token_user(token)
        if caller is None:
            return None
        user = user_get_active(user_id=caller.pk, credential=caller.credential)
        if user is None:
            _gone(caller)
            return None
        self.authorize(request, caller, user)
        request.caller = caller
        return user

    def authorize(self, request: HttpRequest, caller: TokenUser, user: User) -> None:
        """Any active user may: the caller's own resources only."""


class AccountAuth(JWTAuth):
    """JWTAuth refusing personal access tokens (403): they may not manage
    sessions, tokens or the password, so a leaked script token cannot make
    itself more tokens or lock its owner out."""

    def authorize(self, request: HttpRequest, caller: TokenUser, user: User) -> None:
        if caller.credential.is_personal_token:
            raise AuthorizationError(message="A personal access token cannot manage sessions or tokens.")


class OwnerJWTAuth(JWTAuth):
    """JWTAuth that also requires the ``{user_id}`` in the path to be the caller."""

    def authorize(self, request: HttpRequest, caller: TokenUser, user: User) -> None:
        _require_owner(request, caller, user)


class OwnerTokenAuth(HttpBearer):
    """OwnerJWTAuth without the user query, for the reads and writes whose own
    statement requires an active user whose credential stands, and that
    call require_active_user when it finds nothing (the caller's TokenUser
    is ``request.auth``)."""

    def authenticate(self, request: HttpRequest, token: str) -> TokenUser | None:
        caller = token_user(token)
        if caller is not None:
            _require_owner(request, caller, caller)
        return caller
