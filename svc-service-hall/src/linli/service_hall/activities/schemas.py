"""What the activities' and clubs' API takes and returns."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from linli.common.divisions import CommunityCodeStr
from linli.common.errors import InvalidValue
from linli.service_hall.models.activities import SignupStatus


class ActivityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    community_code: CommunityCodeStr | None = Field(
        default=None, description="Defaults to the worker's community"
    )
    title: str = Field(min_length=1, max_length=100, examples=["重阳节包饺子"])
    description: str = Field(default="", max_length=4000)
    place: str = Field(default="", max_length=128, examples=["社区活动室"])
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    capacity: int = Field(ge=1, le=10_000)

    @model_validator(mode="after")
    def _ordered(self) -> ActivityCreate:
        if self.ends_at <= self.starts_at:
            raise InvalidValue("an activity ends after it starts", "结束时间须晚于开始时间")
        return self


class ActivityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_code: str
    title: str
    description: str
    place: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    confirmed_count: int
    waiting_count: int
    created_at: datetime
    your_status: SignupStatus | None = Field(
        default=None, description="A resident's own sign-up: confirmed, waiting or null"
    )


class SignupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resident_id: uuid.UUID | None = Field(
        default=None, description="Staff only: the resident signed up at the counter"
    )


class SignupRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    activity_id: uuid.UUID
    resident_id: uuid.UUID
    status: SignupStatus
    signed_up_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    checked_in_at: datetime | None
    queue_position: int | None = Field(default=None, description="1 = next to move up")


class CancellationRead(BaseModel):
    cancelled: SignupRead
    promoted_resident_id: uuid.UUID | None = Field(
        description="The first of the queue, who moved up into the freed place"
    )


class ClubCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    community_code: CommunityCodeStr | None = None
    name: str = Field(min_length=1, max_length=64, examples=["夕阳红合唱团"])
    description: str = Field(default="", max_length=4000)


class ClubRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_code: str
    name: str
    description: str
    member_count: int
    created_at: datetime


class ClubMemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    club_id: uuid.UUID
    resident_id: uuid.UUID
    joined_at: datetime
    joined: bool = Field(default=True, description="False when the resident was a member already")
