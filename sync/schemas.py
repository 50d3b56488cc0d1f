from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, Strict

from tasks.schemas import TaskOut
from tasks.services import BULK_ACTIONS
from todoproject.schemas import Id

MAX_BULK_IDS = 500


class ChangesOut(Schema):
    tasks: list[TaskOut] = Field(description="Tasks created or changed since `since`, each once, as it is now")
    deleted: list[int] = Field(description="Ids of tasks deleted since `since`")
    next_since: str = Field(description="Opaque: the `since` of the next call")
    has_more: bool = Field(description="More changes follow: call again with `next_since` at once")


class BulkIn(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"action": "complete", "ids": [12, 13]}]}
    )

    action: Literal[BULK_ACTIONS]  # type: ignore[valid-type]
    # Strict: "12" and 12.0 are not ids.
    ids: list[Annotated[Id, Strict()]] = Field(min_length=1, max_length=MAX_BULK_IDS)


class BulkOut(Schema):
    affected: int = Field(description="How many of the caller's tasks changed")


class ClearedOut(Schema):
    deleted: int = Field(description="How many completed tasks were deleted")
