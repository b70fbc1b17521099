"""Request and response shapes of the labour pool."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from linli.common.divisions import CommunityCodeStr
from linli.common.errors import InvalidValue
from linli.jobs_coop.models import EnrolledBy, MemberStatus, SkillSource, WorkMode
from linli.jobs_coop.text import Address, Name, Phone, Skill, Title

SkillLevel = Annotated[int, Strict(), Field(ge=1, le=5)]
Weekday = Annotated[
    int, Strict(), Field(ge=1, le=7, description="ISO weekday, 1 Monday … 7 Sunday")
]
Minute = Annotated[int, Strict(), Field(ge=0, le=1440)]


class SkillIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skill: Skill = Field(examples=["beading"])
    level: SkillLevel = 1


class WindowIn(BaseModel):
    """A weekly window in Asia/Shanghai time, `[start_minute, end_minute)` since midnight:
    9:00–15:00 on a school day is `{"weekday": 1, "start_minute": 540, "end_minute": 900}`."""

    model_config = ConfigDict(extra="forbid")

    weekday: Weekday
    start_minute: Minute
    end_minute: Minute

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start_minute >= self.end_minute:
            raise InvalidValue("start_minute must be before end_minute", "开始时间须早于结束时间")
        return self


Skills = Annotated[list[SkillIn], Field(max_length=20)]
Windows = Annotated[list[WindowIn], Field(max_length=50)]


def _distinct_skills(skills: list[SkillIn]) -> None:
    if len({s.skill for s in skills}) != len(skills):
        raise InvalidValue("each skill once", "每项技能只能填一次")


class MemberCreate(BaseModel):
    """Joining the pool. `community_code` is needed when a worker enrols someone; a resident
    enrols in the community of their own registration. `consent` must be true: the pool keeps
    a phone and shows the member to partner enterprises as they choose."""

    model_config = ConfigDict(extra="forbid")

    community_code: CommunityCodeStr | None = Field(default=None, examples=["330108001001"])
    account_subject: Annotated[str, Field(min_length=1, max_length=255)] | None = Field(
        default=None, description="The resident's login, when a worker enrols someone who has one"
    )
    name: Name = Field(examples=["王丽"])
    phone: Phone = Field(examples=["13900001111"])
    address: Address | None = Field(default=None, examples=["5幢2单元601"])
    work_mode: WorkMode = WorkMode.HOME
    consent: bool
    share_phone: bool = Field(default=False, description="Enterprises may see the clear phone")
    share_address: bool = Field(default=False, description="Enterprises may see the address")
    skills: Skills = []
    availability: Windows = []

    @model_validator(mode="after")
    def _checks(self) -> Self:
        if not self.consent:
            raise InvalidValue("consent is needed to join the pool", "加入资源库须本人同意")
        _distinct_skills(self.skills)
        return self


class MemberUpdate(BaseModel):
    """What a member changes of their profile; omitted fields stay."""

    model_config = ConfigDict(extra="forbid")

    address: Address | None = None
    work_mode: WorkMode | None = None
    share_phone: bool | None = None
    share_address: bool | None = None


class SkillsIn(BaseModel):
    """The declared skills, replacing the declared ones (certified skills stay)."""

    model_config = ConfigDict(extra="forbid")

    skills: Skills

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        _distinct_skills(self.skills)
        return self


class AvailabilityIn(BaseModel):
    """Every weekly window, replacing the previous ones."""

    model_config = ConfigDict(extra="forbid")

    windows: Windows


class CertificateIn(BaseModel):
    """A certificate the member brings along (one from the coop's training is issued there)."""

    model_config = ConfigDict(extra="forbid")

    skill: Skill
    level: SkillLevel
    title: Title = Field(examples=["串珠工（初级）"])
    issuer: Title = Field(examples=["滨江区人力社保局"])
    issued_on: date


class SkillRead(BaseModel):
    skill: str
    level: int
    source: SkillSource


class WindowRead(BaseModel):
    weekday: int
    start_minute: int
    end_minute: int


class CertificateRead(BaseModel):
    id: uuid.UUID
    skill: str
    level: int
    title: str
    issuer: str
    issued_on: date
    session_id: uuid.UUID | None


class MemberRead(BaseModel):
    """A pool member. To an enterprise the name is masked, and the phone and address are shown
    only as far as the member allowed (`share_phone`, `share_address`); staff see the phone
    masked unless they ask for it with `reveal=true` (audited)."""

    id: uuid.UUID
    community_code: str
    name: str
    phone: str = Field(description="Masked (139****1111) unless shown in clear")
    phone_is_clear: bool
    address: str | None = Field(description="null when not shared with the caller")
    work_mode: WorkMode
    enrolled_by: EnrolledBy
    status: MemberStatus
    share_phone: bool
    share_address: bool
    has_account: bool
    skills: list[SkillRead]
    availability: list[WindowRead]
    certificates: list[CertificateRead]
    created_at: datetime
