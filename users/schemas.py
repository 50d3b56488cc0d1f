from datetime import datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from todoproject.schemas import NoControlChars, max_length_after_normalising
from users.models import EMAIL_MAX_LENGTH, normalize_email, timezone_names


def _valid_email(value: str) -> str:
    try:
        validate_email(value)
    except DjangoValidationError as exc:
        raise ValueError("Enter a valid email address.") from exc
    return value


EmailText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=EMAIL_MAX_LENGTH),
    NoControlChars,
    # As stored, and measured again as stored: a 500 (value too long) otherwise.
    AfterValidator(normalize_email),
    max_length_after_normalising(EMAIL_MAX_LENGTH),
]
Email = Annotated[EmailText, AfterValidator(_valid_email)]
# Bounded so a megabyte "password" cannot keep a worker hashing.
Password = Annotated[str, StringConstraints(min_length=1, max_length=256), NoControlChars]


# Email first in both bodies: the order a person reads them, and generated
# models (openapi-python-client's) take them as arguments in this order.
_CREDENTIALS = ConfigDict(
    extra="forbid",
    json_schema_extra={"examples": [{"email": "ada@example.com", "password": "correct horse battery"}]},
)


class RegisterIn(Schema):
    model_config = _CREDENTIALS

    email: Email
    password: Password


class TokenIn(Schema):
    """Any well-formed strings: a wrong email is answered like a wrong password."""

    model_config = _CREDENTIALS

    email: EmailText
    password: Password


# The {user_id} of a task route: authentication checks that it names the
# caller (users/auth.py path_names_caller), so any other value is a 403.
# Not an integer: `me` and an identity provider's `sub` name the caller too.
PathUserId = Annotated[str, StringConstraints(min_length=1, max_length=255)]


def _known_zone(value: str) -> str:
    if value not in timezone_names():
        raise ValueError("unknown timezone: an IANA name such as Europe/Berlin")
    return value


TimezoneName = Annotated[
    str,
    StringConstraints(max_length=64),
    AfterValidator(_known_zone),
    Field(description="An IANA zone name: what today and overdue mean for you", examples=["Europe/Berlin"]),
]


class UserOut(Schema):
    id: int
    # None for a user of an identity provider that gives no email.
    email: str | None
    created_at: datetime
    timezone: str = Field(examples=["Europe/Berlin"])


class UserUpdate(Schema):
    """Body of PATCH /api/auth/me: the settings to change."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"timezone": "Europe/Berlin"}]})

    timezone: TimezoneName


class AuthOut(Schema):
    user: UserOut
    access_token: str = Field(description="Send as `Authorization: Bearer …`; lives `expires_in` seconds.")
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    refresh_token: str = Field(
        description="Single use: `POST /api/auth/refresh` trades it for new tokens. Presented twice, "
        "it ends the session."
    )
