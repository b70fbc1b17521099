"""五社联动: social organisations and volunteer teams, volunteer activities with check-in/out,
and the service hours each volunteer earned."""

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
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, division_code_type, new_id, str_enum
from linli.service_hall.models import Base


class OrganisationKind(StrEnum):
    SOCIAL_ORGANISATION = "social_organisation"
    VOLUNTEER_TEAM = "volunteer_team"


class MemberRole(StrEnum):
    MEMBER = "member"
    LEADER = "leader"


class HoursSource(StrEnum):
    CHECK_OUT = "check_out"
    ORGANISER = "organiser"


class Organisation(Base):
    """A social organisation (社会组织) or a volunteer team (志愿者队伍) of a community."""

    __tablename__ = "volunteer_organisations"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False, index=True)
    kind: Mapped[OrganisationKind] = mapped_column(
        str_enum(OrganisationKind, "volunteer_organisation_kind"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    created_at: Mapped[datetime] = created_at_column()


class OrganisationMember(Base):
    """A resident in an organisation; its leaders organise its activities and record hours."""

    __tablename__ = "volunteer_organisation_members"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("volunteer_organisations.id", ondelete="CASCADE"),
        primary_key=True,
    )
    resident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    role: Mapped[MemberRole] = mapped_column(
        str_enum(MemberRole, "volunteer_member_role"), nullable=False
    )
    joined_at: Mapped[datetime] = created_at_column()


class VolunteerActivity(Base):
    """A volunteer activity (a Saturday clean-up) of an organisation or of the community itself."""

    __tablename__ = "volunteer_activities"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("volunteer_organisations.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    place: Mapped[str] = mapped_column(String(128), nullable=False, server_default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    signed_up_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("capacity > 0", name="volunteer_activity_capacity_positive"),
        CheckConstraint(
            "signed_up_count >= 0 AND signed_up_count <= capacity",
            name="volunteer_activity_within_capacity",
        ),
        CheckConstraint("ends_at > starts_at", name="volunteer_activity_ends_after_start"),
        Index("ix_volunteer_activities_listing", "community_code", "starts_at", "id"),
    )


class VolunteerSignup(Base):
    """A volunteer's place in an activity, with their check-in and check-out."""

    __tablename__ = "volunteer_signups"

    activity_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("volunteer_activities.id", ondelete="CASCADE"),
        primary_key=True,
    )
    resident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    signed_up_at: Mapped[datetime] = created_at_column()
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(
            "checked_out_at IS NULL OR (checked_in_at IS NOT NULL AND checked_out_at > checked_in_at)",
            name="volunteer_signup_out_after_in",
        ),
    )


class ServiceHours(Base):
    """Service hours (志愿服务时长) of one volunteer for one activity, in whole minutes: from the
    check-out, or recorded by the organiser; one record per volunteer and activity."""

    __tablename__ = "volunteer_service_hours"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    resident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    activity_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("volunteer_activities.id", ondelete="CASCADE"),
        nullable=False,
    )
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    source: Mapped[HoursSource] = mapped_column(
        str_enum(HoursSource, "volunteer_hours_source"), nullable=False
    )
    recorded_by_role: Mapped[str] = mapped_column(String(32), nullable=False)
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        UniqueConstraint("activity_id", "resident_id", name="volunteer_hours_once"),
        CheckConstraint("minutes > 0 AND minutes <= 1440", name="volunteer_hours_minutes_range"),
        Index("ix_volunteer_hours_history", "resident_id", "recorded_at", "id"),
        Index("ix_volunteer_hours_ranking", "community_code", "resident_id"),
    )
