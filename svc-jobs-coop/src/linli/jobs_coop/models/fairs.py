"""Job fairs (招聘会): events, the enterprises recruiting at them, registrations and matches."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
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


class MatchOutcome(StrEnum):
    """What came of a match: still `pending`, `hired`, or `declined` by either side."""

    PENDING = "pending"
    HIRED = "hired"
    DECLINED = "declined"


class JobFair(Base):
    __tablename__ = "job_fairs"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    held_on: Mapped[date] = mapped_column(Date, nullable=False)
    place: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (Index("ix_job_fairs_community_code_id", "community_code", "id"),)


class FairEnterprise(Base):
    """An enterprise recruiting at a fair, with the openings it brings."""

    __tablename__ = "fair_enterprises"

    fair_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("job_fairs.id"), primary_key=True
    )
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("enterprises.id"), primary_key=True
    )
    openings: Mapped[int] = mapped_column(Integer, nullable=False)
    positions: Mapped[str] = mapped_column(String(200), nullable=False)


class FairRegistration(Base):
    """A pool member registered to attend a fair."""

    __tablename__ = "fair_registrations"

    fair_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("job_fairs.id"), primary_key=True
    )
    member_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("members.id"), primary_key=True
    )
    created_at: Mapped[datetime] = created_at_column()


class FairMatch(Base):
    """A member and an enterprise who met at a fair, and what came of it."""

    __tablename__ = "fair_matches"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    fair_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("job_fairs.id"), nullable=False
    )
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("enterprises.id"), nullable=False
    )
    member_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("members.id"), nullable=False
    )
    outcome: Mapped[MatchOutcome] = mapped_column(
        str_enum(MatchOutcome, "outcome"), nullable=False, default=MatchOutcome.PENDING
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        UniqueConstraint(
            "fair_id", "enterprise_id", "member_id", name="uq_fair_matches_fair_enterprise_member"
        ),
    )
