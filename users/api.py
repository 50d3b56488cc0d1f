from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError

from todoproject.openapi import BODY_ERRORS, status_map
from todoproject.throttles import AuthEmailThrottle, AuthIpThrottle
from users.auth import JWTAuth
from users.models import User
from users.schemas import AuthOut, RegisterIn, TokenIn, UserOut, UserUpdate
from users.services import EmailTaken, user_register, user_set_timezone
from users.tokens import access_token_issue

router = Router(tags=["auth"])

# Brute force and mass sign-up: attempts per address and per email.
AUTH_THROTTLES = [AuthIpThrottle(), AuthEmailThrottle()]


def _auth_out(user: User) -> dict:
    token, expires_in = access_token_issue(user=user)
    return {"user": user, "access_token": token, "token_type": "bearer", "expires_in": expires_in}


@router.post(
    "/register",
    operation_id="register",
    response=status_map({201: AuthOut}, *BODY_ERRORS, 409, 429, 503),
    summary="Create an account and get an access token",
    throttle=AUTH_THROTTLES,
)
def register(request: HttpRequest, payload: RegisterIn):
    try:
        user = user_register(email=payload.email, password=payload.password)
    except DjangoValidationError as exc:
        raise ValidationError(
            [
                {"loc": ["body", "password"], "msg": message, "type": "password_too_weak"}
                for message in exc.messages
            ]
        ) from exc
    except EmailTaken as exc:
        raise HttpError(409, "A user with this email already exists.") from exc
    return Status(201, _auth_out(user))


@router.post(
    "/token",
    operation_id="createToken",
    response=status_map({200: AuthOut}, *BODY_ERRORS, 401, 429, 503),
    summary="Exchange email and password for an access token",
    throttle=AUTH_THROTTLES,
)
def token(request: HttpRequest, payload: TokenIn):
    user = authenticate(request, email=payload.email, password=payload.password)
    if user is None:
        raise AuthenticationError(message="Incorrect email or password.")
    return _auth_out(user)


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
