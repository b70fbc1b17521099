"""What the volunteering API takes and returns."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from linli.common.divisions import CommunityCodeStr
from linli.common.errors import InvalidValue
from linli.service_hall.models.volunteering import HoursSource, MemberRole, OrganisationKind


class OrganisationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    community_code: CommunityCodeStr | None = None
    kind: OrganisationKind
    name: str = Field(min_length=1, max_length=64, examples=["东冠社区志愿者服务队"])
    description: str = Field(default="", max_length=4000)


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_code: str
    kind: OrganisationKind
    name: str
    description: str
    created_at: datetime


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resident_id: uuid.UUID | None = Field(default=None, description="Staff: who joins")
    role: MemberRole = Field(default=MemberRole.MEMBER, description="`leader`: staff only")


class MemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    organisation_id: uuid.UUID
    resident_id: uuid.UUID
    role: MemberRole
    joined_at: datetime


class VolunteerActivityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation_id: uuid.UUID | None = Field(
        default=None, description="The organising team; its leaders may then run it"
    )
    community_code: CommunityCodeStr | None = None
    title: str = Field(min_length=1, max_length=100, examples=["周六小区环境清洁"])
    description: str = Field(default="", max_length=4000)
    place: str = Field(default="", max_length=128)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    capacity: int = Field(ge=1, le=10_000)

    @model_validator(mode="after")
    def _ordered(self) -> VolunteerActivityCreate:
        if self.ends_at <= self.starts_at:
            raise InvalidValue("an activity ends after it starts", "结束时间须晚于开始时间")
        return self


class VolunteerActivityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_code: str
    organisation_id: uuid.UUID | None
    title: str
    description: str
    place: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    signed_up_count: int
    created_at: datetime


class VolunteerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resident_id: uuid.UUID | None = Field(
        default=None, description="The organiser: which volunteer (a volunteer: themselves)"
    )
    at: AwareDatetime | None = Field(
        default=None,
        description="The organiser only, from the paper sheet: when it happened (default: now)",
    )


class SignupRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    activity_id: uuid.UUID
    resident_id: uuid.UUID
    signed_up_at: datetime
    checked_in_at: datetime | None
    checked_out_at: datetime | None


class HoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resident_id: uuid.UUID
    minutes: int = Field(ge=1, le=1440, description="Whole minutes of service")
    note: str | None = Field(default=None, max_length=500)


class HoursRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    resident_id: uuid.UUID
    activity_id: uuid.UUID
    community_code: str
    minutes: int
    source: HoursSource
    recorded_by_role: str
    note: str | None
    recorded_at: datetime


class CheckOutRead(BaseModel):
    signup: SignupRead
    hours: HoursRead


class VolunteerHours(BaseModel):
    resident_id: uuid.UUID
    total_minutes: int = Field(description="The sum of every record below")
    records: int
    history: list[HoursRead] = Field(description="Newest first, at most 100")


class RankingEntry(BaseModel):
    rank: int
    resident_id: uuid.UUID
    name_masked: str
    total_minutes: int
    records: int


class Ranking(BaseModel):
    community_code: str
    entries: list[RankingEntry]
