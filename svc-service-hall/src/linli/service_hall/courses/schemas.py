"""What the elder college's API takes and returns."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from linli.common.divisions import DivisionCodeStr
from linli.common.errors import InvalidValue
from linli.service_hall.models.courses import ChoiceStatus, TermStatus

MAX_SEED = 2**63 - 1


class TermCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    division_code: DivisionCodeStr | None = Field(
        default=None, description="The division whose college runs it; defaults to your scope"
    )
    name: str = Field(min_length=1, max_length=100, examples=["2027年春季学期"])
    max_courses_per_member: int = Field(ge=1, le=50, examples=[5])
    selection_opens_at: AwareDatetime
    selection_closes_at: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> TermCreate:
        if self.selection_closes_at <= self.selection_opens_at:
            raise InvalidValue("the selection window closes after it opens", "选课截止须晚于开始")
        return self


class TermRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    division_code: str
    name: str
    max_courses_per_member: int
    selection_opens_at: datetime
    selection_closes_at: datetime
    status: TermStatus
    seed: int | None = Field(description="The lottery's seed, once allocated")
    allocated_at: datetime | None
    created_at: datetime


class CourseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=100, examples=["陶艺基础"])
    description: str = Field(default="", max_length=4000)
    teacher: str = Field(default="", max_length=64)
    place: str = Field(default="", max_length=128)
    capacity: int = Field(ge=1, le=1000)
    min_age: int | None = Field(
        default=None, ge=1, le=120, description="e.g. 60: only members 60 or older this year"
    )
    sessions: list[AwareDatetime] = Field(
        default_factory=list, max_length=100, description="Start of each class, in order"
    )

    @field_validator("sessions")
    @classmethod
    def _ordered(cls, sessions: list[datetime]) -> list[datetime]:
        if any(b <= a for a, b in itertools.pairwise(sessions)):
            raise InvalidValue("sessions are listed in time order", "课次须按时间先后排列")
        return sessions


class SessionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: int
    starts_at: datetime


class CourseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    term_id: uuid.UUID
    title: str
    description: str
    teacher: str
    place: str
    capacity: int
    min_age: int | None
    chosen_count: int
    allocated_count: int
    oversubscribed: bool = False
    sessions: list[SessionRead] = Field(default_factory=list)


class ChoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    course_id: uuid.UUID
    resident_id: uuid.UUID | None = Field(
        default=None, description="Staff only: the member chosen for at the counter"
    )


class ChoiceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    term_id: uuid.UUID
    course_id: uuid.UUID
    resident_id: uuid.UUID
    rank: int = Field(description="1 = the member's first choice")
    status: ChoiceStatus
    chosen_at: datetime


class AllocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int | None = Field(
        default=None,
        ge=0,
        le=MAX_SEED,
        description="The lottery's seed; drawn at random (and recorded) when omitted",
    )
    close_early: bool = Field(
        default=False, description="Allocate before the selection window closes (closes it)"
    )


class CourseAllocation(BaseModel):
    course_id: uuid.UUID
    title: str
    capacity: int
    chosen_count: int
    allocated_count: int
    oversubscribed: bool


class AllocationRead(BaseModel):
    term_id: uuid.UUID
    seed: int
    allocated_at: datetime
    max_courses_per_member: int
    members: int
    courses: list[CourseAllocation]


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resident_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)


class AttendanceRead(BaseModel):
    session_id: uuid.UUID
    recorded: int = Field(description="Members newly recorded present")
    present: int = Field(description="Members present at the session in all")
