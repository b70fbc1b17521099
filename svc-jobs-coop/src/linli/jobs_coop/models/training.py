"""Training (技能培训): courses teaching a skill, their sessions, enrolment and attendance."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, division_code_type, new_id, str_enum
from linli.jobs_coop.models.base import Base


class EnrolmentStatus(StrEnum):
    ENROLLED = "enrolled"
    ATTENDED = "attended"
    ABSENT = "absent"


class Course(Base):
    """A course teaching one skill up to a level; passing it certifies that skill."""

    __tablename__ = "courses"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    skill: Mapped[str] = mapped_column(String(40), nullable=False)
    level: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        Index("ix_courses_community_code_id", "community_code", "id"),
    )


class TrainingSession(Base):
    """One run of a course: when, where, how many seats."""

    __tablename__ = "training_sessions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    course_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("courses.id"), nullable=False
    )
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    place: Mapped[str] = mapped_column(String(200), nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    enrolled: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="period_ordered"),
        CheckConstraint("enrolled >= 0 AND enrolled <= capacity", name="seats_within_capacity"),
        Index("ix_training_sessions_course_id", "course_id"),
    )


class Enrolment(Base):
    """A member's seat in a session, and whether they attended."""

    __tablename__ = "enrolments"

    session_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("training_sessions.id"), primary_key=True
    )
    member_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("members.id"), primary_key=True
    )
    status: Mapped[EnrolmentStatus] = mapped_column(
        str_enum(EnrolmentStatus, "status"), nullable=False, default=EnrolmentStatus.ENROLLED
    )
    created_at: Mapped[datetime] = created_at_column()
