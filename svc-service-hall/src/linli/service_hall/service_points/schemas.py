"""What the service points' API takes and returns."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from linli.common.divisions import CommunityCodeStr, DivisionCodeStr
from linli.common.errors import InvalidValue

_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class OpeningHours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weekday: int = Field(ge=1, le=7, description="ISO weekday: 1 Monday … 7 Sunday")
    opens: str = Field(pattern=_HHMM, examples=["08:30"])
    closes: str = Field(pattern=_HHMM, examples=["17:00"])

    @model_validator(mode="after")
    def _ordered(self) -> OpeningHours:
        if self.closes <= self.opens:
            raise InvalidValue("a hall closes after it opens", "关门时间须晚于开门时间")
        return self


class Counter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1, le=999)
    name: str = Field(min_length=1, max_length=64, examples=["综合受理窗口"])


class ServicePointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    division_code: DivisionCodeStr = Field(description="The street (or level) that runs the hall")
    name: str = Field(min_length=1, max_length=64)
    address: str = Field(min_length=1, max_length=128)
    communities: list[CommunityCodeStr] = Field(min_length=1, max_length=50)
    opening_hours: list[OpeningHours] = Field(default_factory=list, max_length=21)
    counters: list[Counter] = Field(default_factory=list, max_length=50)

    @field_validator("communities")
    @classmethod
    def _unique(cls, codes: list[str]) -> list[str]:
        if len(set(codes)) != len(codes):
            raise InvalidValue("communities must be unique", "社区不能重复")
        return codes

    @model_validator(mode="after")
    def _within(self) -> ServicePointCreate:
        if any(not c.startswith(self.division_code) for c in self.communities):
            raise InvalidValue(
                "a hall serves communities of its own division", "服务中心只服务本区划的社区"
            )
        return self


class ServicePointRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    division_code: str
    name: str
    address: str
    communities: list[str]
    opening_hours: list[OpeningHours]
    counters: list[Counter]
    created_at: datetime
