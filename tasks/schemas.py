import re
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
)

from tasks.models import DESCRIPTION_MAX_LENGTH, PRIORITY_NAMES, TITLE_MAX_LENGTH, Priority
from tasks.tags import MAX_TAG_LENGTH, MAX_TAGS_PER_TASK, tag_normalize, tags_normalize
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


PriorityName = Literal["none", "low", "medium", "high"]
# A stored level (or its name) in, the name out.
PriorityOut = Annotated[
    PriorityName, BeforeValidator(lambda value: PRIORITY_NAMES[value] if isinstance(value, int) else value)
]

Tag = Annotated[
    str,
    AfterValidator(tag_normalize),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": MAX_TAG_LENGTH, "examples": ["errands"]}),
]
TAGS_DESCRIPTION = (
    f"Stripped and lower-cased, 1-{MAX_TAG_LENGTH} characters each, at most {MAX_TAGS_PER_TASK}; "
    "duplicates kept once, in first-seen order."
)
Tags = Annotated[
    list[str],
    AfterValidator(tags_normalize),
    WithJsonSchema({"type": "array", "items": {"type": "string"}, "examples": [["errands", "home"]]}),
]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def _strictly(pattern: re.Pattern, parse, message: str):
    # Only the contract's text form: lax parsing would take a number of
    # seconds for a date, and a time with seconds.
    def check(value: Any):
        if isinstance(value, str) and pattern.fullmatch(value):
            return parse(value)
        if isinstance(value, (date, time)) and not isinstance(value, datetime):
            return value
        raise ValueError(message)

    return BeforeValidator(check)


IsoDate = Annotated[
    date,
    _strictly(_DATE, date.fromisoformat, "a date must be YYYY-MM-DD"),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2026-12-24"]}),
]
TimeOfDay = Annotated[
    time,
    _strictly(_TIME, time.fromisoformat, "a time of day must be HH:MM (00:00-23:59)"),
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "examples": ["17:30"]}),
]
PRIORITY_DESCRIPTION = "none, low, medium or high."
DUE_DATE_DESCRIPTION = "YYYY-MM-DD, wall-clock in your timezone, stored as sent; null clears it and due_time."
DUE_TIME_DESCRIPTION = "HH:MM, wall-clock in your timezone; needs a due_date."

_EXAMPLE = {
    "title": "Buy milk",
    "description": "Semi-skimmed, 2 l",
    "priority": "high",
    "tags": ["errands"],
    "due_date": "2026-12-24",
    "due_time": "17:30",
}


class TaskIn(Schema):
    """Body of POST: a new task; what is left out takes its default."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [_EXAMPLE]},
    )

    title: Title
    description: Description = defaults_to("", "Free text; null is read as \"\".")
    completed: StrictBool = defaults_to(False, "Whether the task is done.")
    priority: PriorityName = defaults_to("none", PRIORITY_DESCRIPTION)
    tags: Tags = defaults_to([], TAGS_DESCRIPTION)
    # Not defaults_to(None, …): pydantic states no default of null to remove.
    due_date: IsoDate | None = Field(None, description=f"{DUE_DATE_DESCRIPTION} Default: `null`.")
    due_time: TimeOfDay | None = Field(None, description=f"{DUE_TIME_DESCRIPTION} Default: `null`.")


class TaskPatch(Schema):
    """Body of PATCH: any subset of the fields; those left out keep their values."""

    # The None defaults are never validated, so an omitted field is simply not
    # set, while an explicit "title": null is validated as a string and refused.
    # Nor are they documented: a generated client sends only what it was given.

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"completed": True}, {"priority": "medium", "due_date": "2026-12-24"}]},
    )

    title: Title = None  # type: ignore[assignment]
    description: Description = None  # type: ignore[assignment]
    completed: StrictBool = None  # type: ignore[assignment]
    priority: PriorityName = Field(None, description=PRIORITY_DESCRIPTION)  # type: ignore[assignment]
    tags: Tags = Field(None, description=TAGS_DESCRIPTION)  # type: ignore[assignment]
    due_date: IsoDate | None = Field(None, description=DUE_DATE_DESCRIPTION)
    due_time: TimeOfDay | None = Field(None, description=DUE_TIME_DESCRIPTION)


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
    priority: PriorityOut
    tags: list[str]
    due_date: date | None
    due_time: TimeOfDay | None
    created_at: datetime
    updated_at: datetime


def task_fields(data: dict[str, Any]) -> dict[str, Any]:
    """A task body's fields as the services take them: the priority's level for
    its name. Raises ValueError when a body sets a due_time and clears or
    (creating) leaves out the due_date; a PATCH of due_time alone is checked
    against the stored date by the database (tasks/services.py)."""
    if data.get("due_time") is not None and "due_date" in data and data["due_date"] is None:
        raise ValueError(DUE_TIME_WITHOUT_DATE["msg"])
    if "priority" in data:
        data = {**data, "priority": Priority[data["priority"].upper()]}
    return data


DUE_TIME_WITHOUT_DATE = {
    "loc": ["body", "due_time"],
    "msg": "a due_time needs a due_date",
    "type": "due_time_without_date",
}


class TagOut(BaseModel):
    name: str = Field(examples=["errands"])
    count: int = Field(examples=[3])


class TagRename(Schema):
    """Body of PATCH …/tags/{name}: the tag's new name."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "shopping"}]})

    name: Tag
