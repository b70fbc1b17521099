"""未来教育 (the elder college): terms, courses with sessions, members' choices, the lottery's
allocation and attendance per session."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, division_code_type, new_id, str_enum
from linli.service_hall.models import Base


class TermStatus(StrEnum):
    SELECTING = "selecting"
    ALLOCATED = "allocated"


class ChoiceStatus(StrEnum):
    CHOSEN = "chosen"
    ALLOCATED = "allocated"
    NOT_ALLOCATED = "not_allocated"


class Term(Base):
    """A term of the elder college run by a division (a street's college serves its communities).
    `seed` is the lottery's, recorded when the term is allocated: the draw can be replayed."""

    __tablename__ = "course_terms"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    division_code: Mapped[str] = mapped_column(division_code_type(), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    max_courses_per_member: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    selection_opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    selection_closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    status: Mapped[TermStatus] = mapped_column(
        str_enum(TermStatus, "course_term_status"), nullable=False
    )
    seed: Mapped[int | None] = mapped_column(BigInteger)
    allocated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint(
            "max_courses_per_member BETWEEN 1 AND 50", name="course_term_max_courses_range"
        ),
        CheckConstraint(
            "selection_closes_at > selection_opens_at", name="course_term_window_ordered"
        ),
    )


class Course(Base):
    """A course of a term; `min_age` (60 for some) is checked against the member's birth year."""

    __tablename__ = "courses"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    term_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("course_terms.id", ondelete="CASCADE"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    teacher: Mapped[str] = mapped_column(String(64), nullable=False, server_default="")
    place: Mapped[str] = mapped_column(String(128), nullable=False, server_default="")
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    min_age: Mapped[int | None] = mapped_column(SmallInteger)
    chosen_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    allocated_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("capacity > 0", name="course_capacity_positive"),
        CheckConstraint(
            "allocated_count >= 0 AND allocated_count <= capacity",
            name="course_allocated_within_capacity",
        ),
        CheckConstraint("chosen_count >= 0", name="course_chosen_non_negative"),
        CheckConstraint("min_age IS NULL OR min_age BETWEEN 1 AND 120", name="course_min_age"),
        Index("ix_courses_term", "term_id", "title", "id"),
    )


class CourseSession(Base):
    """One class meeting of a course: attendance is taken per session."""

    __tablename__ = "course_sessions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    course_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("courses.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (UniqueConstraint("course_id", "number", name="course_session_number"),)


class TermMember(Base):
    """A member's count of choices in a term: raised by a conditional UPDATE that refuses to pass
    the term's limit, so concurrent choices by one member can never make six of five."""

    __tablename__ = "course_term_members"

    term_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("course_terms.id", ondelete="CASCADE"), primary_key=True
    )
    resident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    choice_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))

    __table_args__ = (
        CheckConstraint("choice_count >= 0", name="course_term_member_count_non_negative"),
    )


class CourseChoice(Base):
    """A member's choice of a course, with its rank (1 = most wanted) and the lottery's outcome."""

    __tablename__ = "course_choices"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    term_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("course_terms.id", ondelete="CASCADE"), nullable=False
    )
    course_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("courses.id", ondelete="CASCADE"), nullable=False
    )
    resident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    rank: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    status: Mapped[ChoiceStatus] = mapped_column(
        str_enum(ChoiceStatus, "course_choice_status"), nullable=False
    )
    chosen_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        UniqueConstraint("course_id", "resident_id", name="course_choice_once"),
        CheckConstraint("rank BETWEEN 1 AND 50", name="course_choice_rank_range"),
        Index("ix_course_choices_member", "term_id", "resident_id"),
    )


class CourseAttendance(Base):
    """A member present at a session: the primary key makes recording twice one record."""

    __tablename__ = "course_attendance"

    session_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("course_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    resident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    recorded_by_role: Mapped[str] = mapped_column(String(32), nullable=False)
    recorded_at: Mapped[datetime] = created_at_column()
    note: Mapped[str | None] = mapped_column(Text)
