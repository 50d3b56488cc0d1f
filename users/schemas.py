from datetime import datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, StringConstraints

from todoproject.schemas import NoControlChars, max_length_after_normalising
from users.models import EMAIL_MAX_LENGTH, normalize_email


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


class Credentials(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"email": "ada@example.com", "password": "correct horse battery"}},
    )

    password: Password


class RegisterIn(Credentials):
    email: Email


class TokenIn(Credentials):
    """Any well-formed strings: a wrong email is answered like a wrong password."""

    email: EmailText


class UserOut(Schema):
    id: int
    email: str
    created_at: datetime


class AuthOut(Schema):
    user: UserOut
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
