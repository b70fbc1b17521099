"""未来邻里: community activities with capacity and a waiting list, and clubs with members."""

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
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, division_code_type, new_id, str_enum
from linli.service_hall.models import Base


class SignupStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class Activity(Base):
    """A community activity. `confirmed_count` moves only under the activity's row lock, in the
    transaction that confirms or cancels a place; the CHECK is the last word on capacity."""

    __tablename__ = "activities"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    place: Mapped[str] = mapped_column(String(128), nullable=False, server_default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    confirmed_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    waiting_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    organiser_subject: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("capacity > 0", name="activity_capacity_positive"),
        CheckConstraint(
            "confirmed_count >= 0 AND confirmed_count <= capacity",
            name="activity_confirmed_within_capacity",
        ),
        CheckConstraint("waiting_count >= 0", name="activity_waiting_non_negative"),
        CheckConstraint("ends_at > starts_at", name="activity_ends_after_start"),
        Index("ix_activities_listing", "community_code", "starts_at", "id"),
    )


class ActivitySignup(Base):
    """One resident's place (or place in the queue) for one activity; at most one live sign-up
    per resident and activity (the partial unique index). The queue is served in `id` order."""

    __tablename__ = "activity_signups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    activity_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("activities.id", ondelete="CASCADE"), nullable=False
    )
    resident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    status: Mapped[SignupStatus] = mapped_column(
        str_enum(SignupStatus, "activity_signup_status"), nullable=False
    )
    signed_up_at: Mapped[datetime] = created_at_column()
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index(
            "uq_activity_signups_live",
            "activity_id",
            "resident_id",
            unique=True,
            postgresql_where=text("status <> 'cancelled'"),
        ),
        Index("ix_activity_signups_queue", "activity_id", "status", "id"),
    )


class Club(Base):
    """A community club (a choir, a chess club): residents join it."""

    __tablename__ = "clubs"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    member_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (CheckConstraint("member_count >= 0", name="club_member_count_non_negative"),)


class ClubMember(Base):
    """A resident in a club: the primary key makes a second join a no-op."""

    __tablename__ = "club_members"

    club_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("clubs.id", ondelete="CASCADE"), primary_key=True
    )
    resident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    joined_at: Mapped[datetime] = created_at_column()
