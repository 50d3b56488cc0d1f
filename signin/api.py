"""``/api/auth/refresh``, ``/logout``, ``/password`` and ``/tokens``: the contract's "Sessions"."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from ninja import Path, Router, Status
from ninja.errors import AuthenticationError, AuthorizationError

from signin.models import PersonalAccessToken, Session
from signin.schemas import PasswordIn, PersonalTokenCreated, PersonalTokenIn, PersonalTokenOut, RefreshIn
from signin.selectors import personal_tokens_of
from signin.services import (
    RefreshRefused,
    WrongPassword,
    password_change,
    personal_token_create,
    personal_token_revoke,
    session_end,
    session_refresh,
)
from todoproject.openapi import BODY_ERRORS, status_map
from todoproject.schemas import PathId
from todoproject.throttles import AuthAccountThrottle, AuthIpThrottle
from users.api import weak_password
from users.auth import AccountAuth
from users.schemas import AuthOut

router = Router(tags=["auth"])

TOKEN_ID = Path(description="The token's id, as the list gives it", examples=[3])


@router.post(
    "/refresh",
    operation_id="refreshToken",
    response=status_map({200: AuthOut}, *BODY_ERRORS, 401, 429, 503),
    summary="Trade a refresh token for a new access token and refresh token",
    description="The refresh token is spent. Presenting a spent one again ends its whole session "
    "(it was stolen, or the client is confused): 401, and the session's access tokens stop working.",
    throttle=[AuthIpThrottle()],
)
def refresh(request: HttpRequest, *, payload: RefreshIn):
    try:
        return session_refresh(refresh_token=payload.refresh_token)
    except RefreshRefused as exc:
        raise AuthenticationError(message="Invalid, expired or spent refresh token.") from exc


@router.post(
    "/logout",
    operation_id="logout",
    auth=AccountAuth(),
    response=status_map({204: None}, 401, 403, 503),
    summary="End this session: its access and refresh tokens stop working at once",
)
def logout(request: HttpRequest):
    session_id = request.caller.credential.session_id
    if session_id is None:
        raise AuthorizationError(message="This token belongs to no session of this service.")
    session_end(session_id=session_id, because=Session.EndedBecause.LOGOUT)
    return Status(204, None)


@router.post(
    "/password",
    operation_id="changePassword",
    auth=AccountAuth(),
    response=status_map({200: AuthOut}, *BODY_ERRORS, 401, 403, 429, 503),
    summary="Change the password: every session ends, a fresh one starts",
    description="Personal access tokens keep working. A wrong current password is 401, "
    "counted like a failed login.",
    throttle=[AuthIpThrottle(), AuthAccountThrottle()],
)
def change_password(request: HttpRequest, *, payload: PasswordIn):
    user = request.auth
    if not user.has_usable_password():
        raise AuthorizationError(message="This account signs in through its identity provider: it has no password.")
    try:
        return password_change(
            user=user, current_password=payload.current_password, new_password=payload.new_password
        )
    except WrongPassword as exc:
        raise AuthenticationError(message="The current password is incorrect.") from exc
    except DjangoValidationError as exc:
        raise weak_password(exc, field="new_password") from exc


@router.post(
    "/tokens",
    operation_id="createPersonalAccessToken",
    auth=AccountAuth(),
    response=status_map({201: PersonalTokenCreated}, *BODY_ERRORS, 401, 403, 503),
    summary="Create a personal access token for a script",
    description="The secret `token` is in this answer only; it is stored as a hash.",
)
def create_token(request: HttpRequest, *, payload: PersonalTokenIn):
    personal_token, secret = personal_token_create(
        user_id=request.auth.pk, name=payload.name, expires_in_days=payload.expires_in_days
    )
    return Status(201, {**PersonalTokenOut.model_validate(personal_token).model_dump(), "token": secret})


@router.get(
    "/tokens",
    operation_id="listPersonalAccessTokens",
    auth=AccountAuth(),
    response=status_map({200: list[PersonalTokenOut]}, 401, 403, 503),
    summary="Your personal access tokens that are not revoked, newest first, without their secrets",
)
def list_tokens(request: HttpRequest):
    return personal_tokens_of(user_id=request.auth.pk)


@router.delete(
    "/tokens/{token_id}",
    operation_id="deletePersonalAccessToken",
    auth=AccountAuth(),
    response=status_map({204: None}, 401, 403, 404, 422, 503),
    summary="Revoke a personal access token: it stops working at once",
)
def delete_token(request: HttpRequest, *, token_id: PathId = TOKEN_ID):
    if not personal_token_revoke(user_id=request.auth.pk, token_id=token_id):
        raise PersonalAccessToken.DoesNotExist
    return Status(204, None)
