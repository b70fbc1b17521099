"""Bodies of the staff API for Open311 clients, and the attributes every service defines."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from linli.common.divisions import DivisionCodeStr
from linli.grid.text import CategoryName


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: CategoryName = Field(examples=["城市随手拍"], description="The application's name")
    division_code: DivisionCodeStr | None = Field(
        default=None,
        description="Where its requests may lie: a division of your scope (default: your scope)",
    )


class ClientRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    division_code: str
    created_at: datetime
    revoked_at: datetime | None


class ClientCreated(ClientRead):
    api_key: str = Field(description="Shown once, never again: the app posts it as `api_key`")


@dataclass(frozen=True, slots=True)
class Attribute:
    """One attribute of a service definition (GeoReport v2 `attribute`)."""

    code: str
    datatype: str
    required: bool
    description: str
    order: int
    max_length: int = 500
    values: tuple[tuple[str, str], ...] = ()


# Every service (incident category) asks the same few things beyond the standard's fields.
ATTRIBUTES = (
    Attribute(
        "title", "string", False, "A short title (标题); else the description's start", 1, 100
    ),
    Attribute("place_detail", "text", False, "Where exactly: floor, unit, landmark (具体位置)", 2),
    Attribute(
        "danger",
        "singlevaluelist",
        False,
        "Is anyone in danger now? (是否有人身危险)",
        3,
        values=(("yes", "是 yes"), ("no", "否 no")),
    ),
)
ATTRIBUTES_BY_CODE = {attribute.code: attribute for attribute in ATTRIBUTES}
