"""What the roster reads from the event stream and what its API returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from linli.common.divisions import CommunityCodeStr


class ResidentApproved(BaseModel):
    """The grid's own copy of the fields it reads from `cn.linli.residents.resident.approved.v1`.

    Kept here rather than imported from svc-residents so that the two services deploy apart; fields
    the grid does not read (registration_id, approved_by, anything added later) are ignored.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: Literal["cn.linli.residents.resident.approved.v1"]
    community_code: CommunityCodeStr
    resident_id: uuid.UUID
    household_id: uuid.UUID
    household_address: str = Field(min_length=1, max_length=128)
    grid_id: uuid.UUID | None = None
    name_masked: str = Field(min_length=1, max_length=64)
    approved_at: AwareDatetime


class _RegistryEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    community_code: CommunityCodeStr


class HouseholdCreated(_RegistryEvent):
    type: Literal["cn.linli.residents.household.created.v1"]
    household_id: uuid.UUID
    household_address: str = Field(min_length=1, max_length=128)
    grid_id: uuid.UUID | None = None


class HouseholdUpdated(_RegistryEvent):
    type: Literal["cn.linli.residents.household.updated.v1"]
    household_id: uuid.UUID
    grid_id: uuid.UUID | None = None


class HouseholdDeleted(_RegistryEvent):
    type: Literal["cn.linli.residents.household.deleted.v1"]
    household_id: uuid.UUID


class HouseholdMoved(_RegistryEvent):
    """Published on both communities' subjects; both copies carry the household as it now is."""

    type: Literal["cn.linli.residents.household.moved.v1"]
    household_id: uuid.UUID
    to_community_code: CommunityCodeStr
    household_address: str = Field(min_length=1, max_length=128)
    grid_id: uuid.UUID | None = None


class ResidentCreated(_RegistryEvent):
    type: Literal["cn.linli.residents.resident.created.v1"]
    resident_id: uuid.UUID
    household_id: uuid.UUID
    name_masked: str = Field(min_length=1, max_length=64)
    # Campaigns visit the mobility-impaired and the elderly living alone at their door.
    tags: list[Annotated[str, Field(max_length=32)]] = Field(default_factory=list, max_length=16)
    birth_year: int | None = Field(default=None, ge=1850, le=2200)


class ResidentTagged(_RegistryEvent):
    """A resident's stored tags changed; `tags` is the whole set now."""

    type: Literal["cn.linli.residents.resident.tagged.v1"]
    resident_id: uuid.UUID
    household_id: uuid.UUID
    tags: list[Annotated[str, Field(max_length=32)]] = Field(max_length=16)


class ResidentUpdated(_RegistryEvent):
    type: Literal["cn.linli.residents.resident.updated.v1"]
    resident_id: uuid.UUID
    household_id: uuid.UUID
    name_masked: str = Field(min_length=1, max_length=64)


class ResidentDeleted(_RegistryEvent):
    type: Literal["cn.linli.residents.resident.deleted.v1"]
    resident_id: uuid.UUID
    household_id: uuid.UUID


class ResidentMoved(_RegistryEvent):
    """A move in, out or between households; a move out (no `to_household_id`) leaves the roster."""

    type: Literal["cn.linli.residents.resident.moved.v1"]
    resident_id: uuid.UUID
    to_household_id: uuid.UUID | None = None
    to_community_code: CommunityCodeStr | None = None
    name_masked: str = Field(min_length=1, max_length=64)


HouseholdEvent = HouseholdCreated | HouseholdUpdated | HouseholdDeleted | HouseholdMoved
ResidentEvent = ResidentCreated | ResidentUpdated | ResidentTagged | ResidentDeleted | ResidentMoved


class RosterMemberRead(BaseModel):
    """A resident of the household; the name is masked (张*三), as the registry sends it."""

    model_config = ConfigDict(from_attributes=True)

    resident_id: uuid.UUID
    name_masked: str
    joined_at: datetime = Field(description="when the resident was approved or entered")


class HouseholdRead(BaseModel):
    """A household of the roster (户籍名册)."""

    model_config = ConfigDict(from_attributes=True)

    household_id: uuid.UUID
    community_code: str = Field(description="12-digit code of the household's community")
    grid_id: uuid.UUID | None = Field(description="the grid the household belongs to, once known")
    address: str = Field(description="`<building>-<unit>-<room>` within the community")
    members: int = Field(description="number of residents of the household now")
    updated_at: datetime


class HouseholdDetail(HouseholdRead):
    """A household with its residents."""

    residents: list[RosterMemberRead]
