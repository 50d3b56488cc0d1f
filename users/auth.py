from django.http import HttpRequest
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer

from users.models import User
from users.selectors import user_get_active
from users.tokens import access_token_user_id


class JWTAuth(HttpBearer):
    """Bearer JWT whose user still exists and is active: one primary-key query."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user_id = access_token_user_id(token)
        if user_id is None:
            return None
        return user_get_active(user_id=user_id)


class OwnerJWTAuth(JWTAuth):
    """JWTAuth that also requires the ``{user_id}`` in the path to be the caller.

    Checked here, before the body and parameters are read, so a caller on
    someone else's path learns nothing from validation errors either.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = super().authenticate(request, token)
        if user is None:
            return None
        try:
            path_user_id = int(request.resolver_match.kwargs["user_id"])
        except ValueError:
            # Not an id at all: parameter validation answers it with a 422.
            return user
        if path_user_id != user.pk:
            raise AuthorizationError(message="You may only access your own tasks.")
        return user
