from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import BaseModel, BeforeValidator, ConfigDict, StrictBool, StringConstraints

from tasks.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH
from todoproject.schemas import NoControlChars, NoControlCharsExceptWhitespace, NoFormatChars, defaults_to

Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX_LENGTH),
    NoControlChars,
    NoFormatChars,
]
_DescriptionText = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX_LENGTH)]
Description = Annotated[
    _DescriptionText,
    NoControlCharsExceptWhitespace,
    # The contract reads null as "": clients that model "no description" as null are fine.
    BeforeValidator(
        lambda value: "" if value is None else value, json_schema_input_type=_DescriptionText | None
    ),
]


class TaskIn(Schema):
    """Body of POST: a new task; what is left out takes its default."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"title": "Buy milk", "description": "Semi-skimmed, 2 l"}]},
    )

    title: Title
    description: Description = defaults_to("", "Free text; null is read as \"\".")
    completed: StrictBool = defaults_to(False, "Whether the task is done.")


class TaskPatch(Schema):
    """Body of PATCH: any subset of the fields; those left out keep their values."""

    # The None defaults are never validated, so an omitted field is simply not
    # set, while an explicit "title": null is validated as a string and refused.
    # Nor are they documented: a generated client sends only what it was given.

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"completed": True}]})

    title: Title = None  # type: ignore[assignment]
    description: Description = None  # type: ignore[assignment]
    completed: StrictBool = None  # type: ignore[assignment]


class TaskPut(TaskPatch):
    """Body of PUT: a title, and any other field; those left out keep their values."""

    # Not TaskIn: its defaults would tell a generated client to send
    # `"completed": false` for a field its caller never named.

    model_config = ConfigDict(json_schema_extra={"examples": [{"title": "Buy oat milk"}]})

    title: Title


class CompleteIn(Schema):
    """Body of PATCH …/complete, which may also have none (a toggle)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"completed": True}]})

    completed: StrictBool


class TaskOut(BaseModel):
    # A plain pydantic model, not a ninja Schema: Schema wraps every object in
    # a DjangoGetter before validating it, about 20 µs a task, 2 ms on a
    # 100-task page, for resolvers and related managers TaskOut does not use.
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    title: str
    description: str
    completed: bool
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
