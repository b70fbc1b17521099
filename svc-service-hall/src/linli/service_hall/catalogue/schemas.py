"""What the catalogue's API takes and returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from linli.common.divisions import DivisionCodeStr, Level
from linli.common.errors import InvalidValue
from linli.service_hall.models import Channel

ITEM_CODE_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
MATERIAL_CODE_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
# The file types a material may accept; the storage checks each upload's content against them.
FileType = Literal["application/pdf", "image/jpeg", "image/png", "image/webp"]
Name = Annotated[str, Field(min_length=1, max_length=64)]


class MaterialSpec(BaseModel):
    """A material an item asks for (申请材料)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(
        pattern=MATERIAL_CODE_PATTERN, description="e.g. `id_card`, shared across items"
    )
    name: Name
    required: bool = True
    types: list[FileType] = Field(min_length=1, max_length=4)


class ItemRules(BaseModel):
    """What a version of an item asks and promises."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    description: str = Field(default="", max_length=2000)
    divisions: list[DivisionCodeStr] = Field(
        min_length=1,
        max_length=50,
        description="Where it is offered: division codes of any level within the owner's",
    )
    materials: list[MaterialSpec] = Field(default_factory=list, max_length=20)
    channels: list[Channel] = Field(min_length=1, max_length=5)
    promised_working_days: int = Field(ge=1, le=365, description="承诺时限, in working days")
    fee_fen: int = Field(default=0, ge=0, le=100_000_000, description="Fee in fen (0: free)")

    @field_validator("materials")
    @classmethod
    def _unique_materials(cls, materials: list[MaterialSpec]) -> list[MaterialSpec]:
        codes = [m.code for m in materials]
        if len(set(codes)) != len(codes):
            raise InvalidValue("material codes must be unique", "材料代码不能重复")
        return materials

    @field_validator("channels", "divisions")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        if len(set(values)) != len(values):
            raise InvalidValue("values must be unique", "取值不能重复")
        return values


class ItemCreate(ItemRules):
    code: str = Field(pattern=ITEM_CODE_PATTERN, description="Stable code, e.g. `hukou.birth`")
    owning_division: DivisionCodeStr = Field(
        description="The owner: its level's staff publish versions and supervise overdue items"
    )

    @model_validator(mode="after")
    def _offered_within_owner(self) -> ItemCreate:
        if any(not d.startswith(self.owning_division) for d in self.divisions):
            raise InvalidValue(
                "every division offered must lie within the owning division",
                "办理区域须在事项所属区划之内",
            )
        return self


class ItemRead(BaseModel):
    """An item under one version of its rules."""

    id: uuid.UUID
    code: str
    owning_level: Level
    owning_division: str
    version: int
    current_version: int
    name: str
    description: str
    divisions: list[str]
    materials: list[MaterialSpec]
    channels: list[Channel]
    promised_working_days: int
    fee_fen: int
    created_at: datetime = Field(description="When this version was published")
