"""The hall's own copies of the svc-residents events it reads (fields it does not read are ignored)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from linli.common.divisions import CommunityCodeStr


class _RegistryEvent(BaseModel):
    """Kept here rather than imported from svc-residents, so that the two services deploy apart."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    community_code: CommunityCodeStr


class ResidentApproved(_RegistryEvent):
    type: Literal["cn.linli.residents.resident.approved.v1"]
    resident_id: uuid.UUID
    household_id: uuid.UUID
    household_address: str = Field(min_length=1, max_length=128)
    name_masked: str = Field(min_length=1, max_length=64)
    # Absent from approvals published before svc-residents added it.
    birth_year: int | None = Field(default=None, ge=1880, le=2200)


class ResidentCreated(_RegistryEvent):
    type: Literal["cn.linli.residents.resident.created.v1"]
    resident_id: uuid.UUID
    household_id: uuid.UUID
    name_masked: str = Field(min_length=1, max_length=64)
    birth_year: int | None = Field(default=None, ge=1880, le=2200)
    tags: list[str] = Field(default_factory=list, max_length=32)


class ResidentUpdated(_RegistryEvent):
    type: Literal["cn.linli.residents.resident.updated.v1"]
    resident_id: uuid.UUID
    household_id: uuid.UUID
    name_masked: str = Field(min_length=1, max_length=64)


class ResidentTagged(_RegistryEvent):
    type: Literal["cn.linli.residents.resident.tagged.v1"]
    resident_id: uuid.UUID
    household_id: uuid.UUID
    tags: list[str] = Field(max_length=32)


class ResidentDeleted(_RegistryEvent):
    type: Literal["cn.linli.residents.resident.deleted.v1"]
    resident_id: uuid.UUID
    household_id: uuid.UUID


class ResidentMoved(_RegistryEvent):
    """A move in, out or between households; a move out (no `to_household_id`) leaves a tombstone."""

    type: Literal["cn.linli.residents.resident.moved.v1"]
    resident_id: uuid.UUID
    to_household_id: uuid.UUID | None = None
    to_community_code: CommunityCodeStr | None = None
    name_masked: str = Field(min_length=1, max_length=64)


class HouseholdCreated(_RegistryEvent):
    type: Literal["cn.linli.residents.household.created.v1"]
    household_id: uuid.UUID
    household_address: str = Field(min_length=1, max_length=128)


class HouseholdMoved(_RegistryEvent):
    type: Literal["cn.linli.residents.household.moved.v1"]
    household_id: uuid.UUID
    to_community_code: CommunityCodeStr
    household_address: str = Field(min_length=1, max_length=128)


class HouseholdDeleted(_RegistryEvent):
    type: Literal["cn.linli.residents.household.deleted.v1"]
    household_id: uuid.UUID


ResidentEvent = (
    ResidentApproved
    | ResidentCreated
    | ResidentUpdated
    | ResidentTagged
    | ResidentDeleted
    | ResidentMoved
)
HouseholdEvent = HouseholdCreated | HouseholdMoved | HouseholdDeleted
