"""Request and response shapes of training."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from linli.common.divisions import CommunityCodeStr
from linli.common.errors import InvalidValue
from linli.jobs_coop.clock import Moment
from linli.jobs_coop.models import EnrolmentStatus
from linli.jobs_coop.text import Place, Skill, Title


class CourseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    community_code: CommunityCodeStr
    title: Title = Field(examples=["串珠手工入门"])
    skill: Skill = Field(examples=["beading"])
    level: Annotated[int, Strict(), Field(ge=1, le=5)] = 1


class CourseRead(BaseModel):
    id: uuid.UUID
    community_code: str
    title: str
    skill: str
    level: int


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: Moment
    ends_at: Moment
    place: Place = Field(examples=["东冠社区邻里中心 201"])
    capacity: Annotated[int, Strict(), Field(gt=0, le=1000)]

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.starts_at >= self.ends_at:
            raise InvalidValue("starts_at must be before ends_at", "开始时间须早于结束时间")
        return self


class SessionRead(BaseModel):
    id: uuid.UUID
    course_id: uuid.UUID
    community_code: str
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity: int
    enrolled: int


class EnrolIn(BaseModel):
    """A resident enrols themselves; a coordinator names the member."""

    model_config = ConfigDict(extra="forbid")

    member_id: uuid.UUID | None = None


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: uuid.UUID
    attended: bool


class CertifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: uuid.UUID


class EnrolmentRead(BaseModel):
    session_id: uuid.UUID
    member_id: uuid.UUID
    status: EnrolmentStatus
