"""Events of the elder college, on the subject of the term's division (a street's college on
the street's, `_` for the community token). Residents are their registry ids, never names."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from linli.common.events import DomainEvent


class _CourseEvent(DomainEvent):
    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "course"

    community_code: str | None = Field(  # type: ignore[assignment]
        description="12-digit code of the college's community; null for a street's (or above)"
    )
    term_division_code: str = Field(description="The division whose college runs the term")
    term_id: uuid.UUID
    at: datetime

    def division_code(self) -> str:
        return self.term_division_code


class CourseTermOpened(_CourseEvent):
    """A term of the elder college was opened, with its selection window and rule."""

    verb: ClassVar[str] = "term_opened"
    type: Literal["cn.linli.service-hall.course.term_opened.v1"] = (
        "cn.linli.service-hall.course.term_opened.v1"
    )
    max_courses_per_member: int
    selection_opens_at: datetime
    selection_closes_at: datetime


class CourseOffered(_CourseEvent):
    """A course was added to a term."""

    verb: ClassVar[str] = "offered"
    type: Literal["cn.linli.service-hall.course.offered.v1"] = (
        "cn.linli.service-hall.course.offered.v1"
    )
    course_id: uuid.UUID
    capacity: int
    min_age: int | None
    sessions: int


class CourseSelected(_CourseEvent):
    """A member chose a course (their `rank`-th choice of the term)."""

    verb: ClassVar[str] = "selected"
    type: Literal["cn.linli.service-hall.course.selected.v1"] = (
        "cn.linli.service-hall.course.selected.v1"
    )
    course_id: uuid.UUID
    resident_id: uuid.UUID
    rank: int
    chosen_count: int


class CourseWithdrawn(_CourseEvent):
    """A member withdrew a choice during the selection window (later choices moved up a rank)."""

    verb: ClassVar[str] = "withdrawn"
    type: Literal["cn.linli.service-hall.course.withdrawn.v1"] = (
        "cn.linli.service-hall.course.withdrawn.v1"
    )
    course_id: uuid.UUID
    resident_id: uuid.UUID
    rank: int
    chosen_count: int


class CourseAllocated(_CourseEvent):
    """The term's lottery gave the course its members: drawn from `seed`, replayable."""

    verb: ClassVar[str] = "allocated"
    type: Literal["cn.linli.service-hall.course.allocated.v1"] = (
        "cn.linli.service-hall.course.allocated.v1"
    )
    course_id: uuid.UUID
    seed: int
    capacity: int
    chosen_count: int
    allocated_count: int
    oversubscribed: bool
    resident_ids: list[uuid.UUID] = Field(description="The members allocated a seat")


class CourseAttended(_CourseEvent):
    """A member was present at a session of the course."""

    verb: ClassVar[str] = "attended"
    type: Literal["cn.linli.service-hall.course.attended.v1"] = (
        "cn.linli.service-hall.course.attended.v1"
    )
    course_id: uuid.UUID
    session_id: uuid.UUID
    session_number: int
    resident_id: uuid.UUID


CourseEvent = (
    CourseTermOpened
    | CourseOffered
    | CourseSelected
    | CourseWithdrawn
    | CourseAllocated
    | CourseAttended
)
