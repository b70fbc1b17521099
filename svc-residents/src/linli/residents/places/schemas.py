"""Request and response shapes of grids and the housing tree."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from linli.common.divisions import CommunityCodeStr
from linli.common.errors import InvalidValue

# Seven or more digits in a name look like a phone or ID number typed in the wrong box; place
# names travel in events, which must never carry those.
_LONG_DIGIT_RUN = re.compile(r"\d{7,}")


def _no_identifiers(value: str) -> str:
    if _LONG_DIGIT_RUN.search(value):
        raise InvalidValue(
            "a place name cannot hold 7 or more digits in a row", "地点名称不能含连续7位及以上数字"
        )
    return value


PlaceName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=32),
    AfterValidator(_no_identifiers),
]
"""A building, unit or room name as people write it: `3幢`, `2单元`, `501`."""

LongPlaceName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(_no_identifiers),
]
"""A grid's or court's name: `东信第一网格`, `星耀城一期`."""


class Address(BaseModel):
    """Where the household lives inside the community: building, unit and room (楼栋/单元/户)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    building: str = Field(min_length=1, max_length=32, examples=["3幢"])
    unit: str = Field(min_length=1, max_length=32, examples=["2单元"])
    room: str = Field(min_length=1, max_length=32, examples=["501"])

    @field_validator("building", "unit", "room")
    @classmethod
    def _no_identifiers(cls, value: str) -> str:
        if _LONG_DIGIT_RUN.search(value):
            raise InvalidValue(
                "an address part cannot hold 7 or more digits in a row",
                "地址各部分不能含连续7位及以上数字",
            )
        return value


GridNumber = Annotated[int, Field(ge=1, le=9999, description="Number of the grid in its community")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GridCreate(_In):
    community_code: CommunityCodeStr
    number: GridNumber
    name: LongPlaceName


class GridUpdate(_In):
    number: GridNumber | None = None
    name: LongPlaceName | None = None


class GridRead(BaseModel):
    """A grid (网格). `code` (`<community>-<number>`) is how staff tokens may name it too."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_code: str
    number: int
    code: str = Field(examples=["330108001001-01"])
    name: str
    created_at: datetime
    updated_at: datetime


class CourtCreate(_In):
    community_code: CommunityCodeStr
    name: LongPlaceName


class CourtUpdate(_In):
    name: LongPlaceName | None = None


class CourtRead(BaseModel):
    """A residential court (苑区/小区)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_code: str
    name: str
    created_at: datetime
    updated_at: datetime


class BuildingCreate(_In):
    community_code: CommunityCodeStr
    name: PlaceName = Field(description="Unique within the community", examples=["3幢"])
    court_id: uuid.UUID | None = Field(default=None, description="A court of the same community")
    grid_id: uuid.UUID | None = Field(default=None, description="A grid of the same community")


class BuildingUpdate(_In):
    """Changing `grid_id` moves the building's households that followed its old grid."""

    name: PlaceName | None = None
    court_id: uuid.UUID | None = None
    grid_id: uuid.UUID | None = None


class BuildingRead(BaseModel):
    """A building (楼栋)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_code: str
    name: str
    court_id: uuid.UUID | None
    grid_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class UnitCreate(_In):
    name: PlaceName = Field(examples=["2单元"])


class UnitUpdate(_In):
    name: PlaceName | None = None


class UnitRead(BaseModel):
    """A unit (单元) of a building."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    building_id: uuid.UUID
    community_code: str
    name: str
    created_at: datetime
    updated_at: datetime


class DwellingCreate(_In):
    name: PlaceName = Field(description="The room number", examples=["501"])


class DwellingUpdate(_In):
    name: PlaceName | None = None


class DwellingRead(BaseModel):
    """A dwelling (户): one door, home of at most one live household."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    unit_id: uuid.UUID
    building_id: uuid.UUID
    community_code: str
    name: str
    address: str = Field(examples=["3幢-2单元-501"])
    created_at: datetime
    updated_at: datetime
