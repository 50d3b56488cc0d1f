from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import ConfigDict, Field, Strict, StringConstraints

from todoproject.schemas import NoControlChars
from users.schemas import Password

# Our tokens are 72-81 characters; anything far longer is not one.
OpaqueToken = Annotated[str, StringConstraints(min_length=1, max_length=256), NoControlChars]


class RefreshIn(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"refresh_token": "todo_rt_3f9c…"}]}
    )

    refresh_token: OpaqueToken


class PasswordIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"current_password": "correct horse battery", "new_password": "staple gun lantern moss"}]
        },
    )

    current_password: Password
    new_password: Password


class PersonalTokenIn(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "nightly backup", "expires_in_days": 90}]}
    )

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NoControlChars]
    # A JSON integer only ("90" and 90.0 are refused); left out: never expires.
    expires_in_days: Annotated[int, Strict(), Field(ge=1, le=366)] | None = None


class PersonalTokenOut(Schema):
    id: int
    name: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="To the minute: uses within a minute are not told apart.")


class PersonalTokenCreated(PersonalTokenOut):
    token: str = Field(description="The secret, shown only in this answer: send it as `Authorization: Bearer …`.")
