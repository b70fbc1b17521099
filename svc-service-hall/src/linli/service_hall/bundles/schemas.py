"""What the bundles' API takes and returns."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from linli.common.divisions import DivisionCodeStr
from linli.common.errors import InvalidValue
from linli.service_hall.catalogue.schemas import ITEM_CODE_PATTERN, ItemRead


class BundleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=ITEM_CODE_PATTERN, examples=["life.newborn"])
    name: str = Field(min_length=1, max_length=64, examples=["新生儿出生一件事"])
    description: str = Field(default="", max_length=2000)
    owning_division: DivisionCodeStr
    item_ids: list[uuid.UUID] = Field(min_length=2, max_length=20)

    @field_validator("item_ids")
    @classmethod
    def _unique(cls, ids: list[uuid.UUID]) -> list[uuid.UUID]:
        if len(set(ids)) != len(ids):
            raise InvalidValue("each item once", "事项不能重复")
        return ids


class BundleRead(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    description: str
    owning_division: str
    items: list[ItemRead] = Field(description="The items, at their current versions, in order")
    created_at: datetime
