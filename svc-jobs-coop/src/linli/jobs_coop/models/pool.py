"""The labour pool (劳动力资源库): members, their skills, weekly availability and certificates."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import (
    created_at_column,
    division_code_type,
    new_id,
    str_enum,
    updated_at_column,
)
from linli.jobs_coop.models.base import Base


class WorkMode(StrEnum):
    """Where a member works: at home (居家), at a micro-factory (到岗), or either."""

    HOME = "home"
    ON_SITE = "on_site"
    EITHER = "either"


class EnrolledBy(StrEnum):
    """`self`: from the mini-program; `worker`: by a community worker after the 摸排 survey."""

    SELF = "self"
    WORKER = "worker"


class MemberStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class SkillSource(StrEnum):
    """`declared` at enrolment; `certificate`: earned in the coop's training."""

    DECLARED = "declared"
    CERTIFICATE = "certificate"


class Member(Base):
    """A resident in the labour pool. The phone is stored encrypted; what enterprises see of the
    phone and the address is the member's own choice (`share_phone`, `share_address`)."""

    __tablename__ = "members"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    # The resident's login subject, when they have one: they claim work and read their pay.
    account_subject: Mapped[str | None] = mapped_column(String(255), nullable=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    phone_encrypted: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    phone_index: Mapped[str] = mapped_column(String(64), nullable=False)
    phone_masked: Mapped[str] = mapped_column(String(20), nullable=False)
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    work_mode: Mapped[WorkMode] = mapped_column(str_enum(WorkMode, "work_mode"), nullable=False)
    enrolled_by: Mapped[EnrolledBy] = mapped_column(
        str_enum(EnrolledBy, "enrolled_by"), nullable=False
    )
    consent: Mapped[bool] = mapped_column(Boolean, nullable=False)
    share_phone: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    share_address: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[MemberStatus] = mapped_column(
        str_enum(MemberStatus, "status"), nullable=False, default=MemberStatus.ACTIVE
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        # One person, one place in the pool (by phone); one pool membership per account.
        UniqueConstraint("phone_index", name="uq_members_phone_index"),
        UniqueConstraint("account_subject", name="uq_members_account_subject"),
        CheckConstraint("consent", name="consent_given"),
        Index("ix_members_community_code_id", "community_code", "id"),
    )


class MemberSkill(Base):
    """A skill a member has, at a level from 1 (beginner) to 5 (master)."""

    __tablename__ = "member_skills"

    member_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(40), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    source: Mapped[SkillSource] = mapped_column(str_enum(SkillSource, "source"), nullable=False)

    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        Index("ix_member_skills_skill_level", "skill", "level"),
    )


class AvailabilityWindow(Base):
    """A weekly window when a member can work, in Asia/Shanghai wall-clock time: ISO weekday
    (1 Monday … 7 Sunday) and minutes since midnight, `[start, end)`."""

    __tablename__ = "availability_windows"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    member_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("members.id", ondelete="CASCADE"), nullable=False
    )
    weekday: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    start_minute: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    end_minute: Mapped[int] = mapped_column(SmallInteger, nullable=False)

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday_range"),
        CheckConstraint(
            "start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute",
            name="minutes_range",
        ),
        Index("ix_availability_windows_member_id", "member_id"),
    )


class Certificate(Base):
    """A skill certificate: brought along at enrolment, or earned in the coop's training."""

    __tablename__ = "certificates"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    member_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("members.id"), nullable=False
    )
    skill: Mapped[str] = mapped_column(String(40), nullable=False)
    level: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    issuer: Mapped[str] = mapped_column(String(100), nullable=False)
    issued_on: Mapped[date] = mapped_column(Date, nullable=False)
    # The training session that earned it; null for one brought from elsewhere.
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("training_sessions.id"), nullable=True
    )
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        # A session certifies each trainee once.
        UniqueConstraint("session_id", "member_id", name="uq_certificates_session_id_member_id"),
        Index("ix_certificates_member_id", "member_id"),
    )
