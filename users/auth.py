"""Bearer-token authentication, and the owner check every task route makes.

Writes and ``/me`` load the token's user (one primary-key query). The two
reads instead take the token's word for who is asking and let their own
query confirm the user is still active (tasks/selectors.py joins it), so a
read costs one query, not two; only when it finds nothing is the user looked
up, to answer 401 rather than 404 or an empty page.
"""

from dataclasses import dataclass

from django.http import HttpRequest
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer

from users.models import User
from users.selectors import user_get_active
from users.tokens import access_token_user_id


@dataclass(frozen=True)
class TokenUser:
    """The user a valid token names, not yet looked up in the database."""

    pk: int


def require_active_user(user: User | TokenUser) -> None:
    """Raise AuthenticationError (401) unless the user exists and is active.

    Costs a query only for a TokenUser: a loaded User was checked already.
    """
    if isinstance(user, TokenUser) and user_get_active(user_id=user.pk) is None:
        raise AuthenticationError


def _require_owner(request: HttpRequest, user: User | TokenUser) -> None:
    # Checked in authentication, before the body and parameters are read, so
    # a caller on someone else's path learns nothing from validation errors either.
    try:
        path_user_id = int(request.resolver_match.kwargs["user_id"])
    except ValueError:
        # Not an id at all: parameter validation answers it with a 422.
        return
    if path_user_id != user.pk:
        require_active_user(user)
        raise AuthorizationError(message="You may only access your own tasks.")


class JWTAuth(HttpBearer):
    """Bearer JWT whose user still exists and is active: one primary-key query."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user_id = access_token_user_id(token)
        if user_id is None:
            return None
        return user_get_active(user_id=user_id)


class OwnerJWTAuth(JWTAuth):
    """JWTAuth that also requires the ``{user_id}`` in the path to be the caller."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = super().authenticate(request, token)
        if user is not None:
            _require_owner(request, user)
        return user


class OwnerReadAuth(HttpBearer):
    """OwnerJWTAuth without the user query, for reads whose own query requires
    an active user and that call require_active_user when they find nothing."""

    def authenticate(self, request: HttpRequest, token: str) -> TokenUser | None:
        user_id = access_token_user_id(token)
        if user_id is None:
            return None
        user = TokenUser(user_id)
        _require_owner(request, user)
        return user
