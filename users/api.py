from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError

from signin.services import session_start
from todoproject.openapi import BODY_ERRORS, status_map
from todoproject.throttles import AuthEmailThrottle, AuthIpThrottle
from users.auth import JWTAuth
from users.schemas import AuthOut, RegisterIn, TokenIn, UserOut, UserUpdate
from users.services import EmailTaken, user_register, user_set_timezone

router = Router(tags=["auth"])


def weak_password(exc: DjangoValidationError, *, field: str) -> ValidationError:
    """The 422 of a password the validators (AUTH_PASSWORD_VALIDATORS) refuse."""
    return ValidationError(
        [{"loc": ["body", field], "msg": message, "type": "password_too_weak"} for message in exc.messages]
    )


# Brute force and mass sign-up: attempts per address and per email.
AUTH_THROTTLES = [AuthIpThrottle(), AuthEmailThrottle()]


@router.post(
    "/register",
    operation_id="register",
    response=status_map({201: AuthOut}, *BODY_ERRORS, 409, 429, 503),
    summary="Create an account and start a session",
    throttle=AUTH_THROTTLES,
)
def register(request: HttpRequest, payload: RegisterIn):
    try:
        # One transaction: no account is left behind without the session
        # its registration answered with.
        with transaction.atomic():
            user = user_register(email=payload.email, password=payload.password)
            signed_in = session_start(user=user)
    except DjangoValidationError as exc:
        raise weak_password(exc, field="password") from exc
    except EmailTaken as exc:
        raise HttpError(409, "A user with this email already exists.") from exc
    return Status(201, signed_in)


@router.post(
    "/token",
    operation_id="createToken",
    response=status_map({200: AuthOut}, *BODY_ERRORS, 401, 429, 503),
    summary="Sign in with email and password: a new session",
    throttle=AUTH_THROTTLES,
)
def token(request: HttpRequest, payload: TokenIn):
    user = authenticate(request, email=payload.email, password=payload.password)
    if user is None:
        raise AuthenticationError(message="Incorrect email or password.")
    return session_start(user=user)


@router.get(
    "/me",
    operation_id="getCurrentUser",
    auth=JWTAuth(),
    response=status_map({200: UserOut}, 401, 503),
    summary="The current user",
)
def me(request: HttpRequest):
    return request.auth


@router.patch(
    "/me",
    operation_id="updateCurrentUser",
    auth=JWTAuth(),
    response=status_map({200: UserOut}, *BODY_ERRORS, 401, 503),
    summary="Change your settings (your timezone)",
)
def update_me(request: HttpRequest, payload: UserUpdate):
    return user_set_timezone(user=request.auth, timezone=payload.timezone)
