"""Campaigns (全员排查 / 入户核查): the households in scope, station slots, contacts, counters.

The scope is a snapshot of the roster when the campaign starts, plus the households that join
it while it runs (the roster consumer adds them). Coverage is read from counter rows kept in the
transaction of each contact, never by counting contacts.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, division_code_type, new_id, str_enum
from linli.grid.models import Base


class CampaignStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"


class VisitMode(StrEnum):
    """How a household is met: at a station slot of its building, or at its door (上门)."""

    STATION = "station"
    DOOR_TO_DOOR = "door_to_door"


class ContactOutcome(StrEnum):
    REACHED = "reached"
    NOT_AT_HOME = "not_at_home"
    REFUSED = "refused"
    MOVED_AWAY = "moved_away"


class ContactPlace(StrEnum):
    DOOR = "door"
    STATION = "station"


class Campaign(Base):
    """A campaign over a street's or community's households, with its window and goal: the
    goal in words, and what it counts, `rounds_required` rounds per household (2 for "every
    resident tested twice")."""

    __tablename__ = "campaigns"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    division_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    goal: Mapped[str] = mapped_column(String(500), nullable=False)
    rounds_required: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    status: Mapped[CampaignStatus] = mapped_column(
        str_enum(CampaignStatus, "campaign_status"), nullable=False
    )
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("rounds_required BETWEEN 1 AND 10", name="rounds_required_range"),
        Index("ix_campaigns_division", "division_code", "status"),
    )


class CampaignSlot(Base):
    """A time at a station for one building's households; `assigned` never exceeds `capacity`
    (a conditional update fills it, and the constraint backs that up)."""

    __tablename__ = "campaign_slots"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False
    )
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    building: Mapped[str] = mapped_column(String(64), nullable=False)
    station: Mapped[str] = mapped_column(String(100), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    assigned: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))

    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("assigned >= 0 AND assigned <= capacity", name="within_capacity"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index(
            "ix_campaign_slots_building", "campaign_id", "community_code", "building", "starts_at"
        ),
    )


class CampaignHousehold(Base):
    """A household in a campaign's scope, and where it stands: its slot or door-to-door worker,
    its not-at-home count, when it was first reached, and its rounds (a round is a `reached`
    contact on a business day, Asia/Shanghai, that has none yet: `last_round_on`)."""

    __tablename__ = "campaign_households"

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    household_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    grid_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # The building as the address names it (`3幢` of `3幢-2单元-501`), and the court of the
    # building of that name in the places model, when known.
    building: Mapped[str] = mapped_column(String(64), nullable=False)
    court_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    address: Mapped[str] = mapped_column(String(128), nullable=False)
    residents: Mapped[int] = mapped_column(Integer, nullable=False)
    mode: Mapped[VisitMode] = mapped_column(str_enum(VisitMode, "visit_mode"), nullable=False)
    door_worker_subject: Mapped[str | None] = mapped_column(String(64))
    slot_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("campaign_slots.id", ondelete="SET NULL")
    )
    joined_at: Mapped[datetime] = created_at_column()
    joined_late: Mapped[bool] = mapped_column(nullable=False, server_default=text("false"))
    not_at_home: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    last_outcome: Mapped[str | None] = mapped_column(String(32))
    reached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rounds: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    last_round_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint("rounds >= 0", name="rounds_not_negative"),
        # Door-to-door households never hold a station slot, whatever the code above does.
        CheckConstraint("mode = 'station' OR slot_id IS NULL", name="door_to_door_no_slot"),
        Index(
            "ix_campaign_households_listing",
            "campaign_id",
            "community_code",
            "address",
            "household_id",
        ),
        Index("ix_campaign_households_slot", "slot_id"),
    )


class CampaignContact(Base):
    """One contact with a household (at its door or at the station), append-only."""

    __tablename__ = "campaign_contacts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    campaign_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    household_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    outcome: Mapped[ContactOutcome] = mapped_column(
        str_enum(ContactOutcome, "contact_outcome"), nullable=False
    )
    place: Mapped[ContactPlace] = mapped_column(
        str_enum(ContactPlace, "contact_place"), nullable=False
    )
    worker_subject: Mapped[str] = mapped_column(String(64), nullable=False)
    note: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = created_at_column()

    __table_args__ = (Index("ix_campaign_contacts_household", "campaign_id", "household_id", "at"),)


class CampaignCounter(Base):
    """Reached, goal-met and total households and residents of one part of a campaign: the
    whole (`kind` campaign, key ''), a grid, a building (`<community>/<building>`) or a court.
    Reached is one round or more, goal met `rounds_required` rounds or more.

    Incremented in the transaction that reaches a household or adds one to the scope, so
    coverage is one indexed read, exact at every commit.
    """

    __tablename__ = "campaign_counters"

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    households_total: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    households_reached: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default=text("0")
    )
    residents_total: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    residents_reached: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default=text("0")
    )
    households_goal_met: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default=text("0")
    )
    residents_goal_met: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default=text("0")
    )

    __table_args__ = (
        CheckConstraint(
            "households_reached >= 0 AND households_reached <= households_total "
            "AND residents_reached >= 0 AND residents_reached <= residents_total",
            name="reached_within_total",
        ),
        CheckConstraint(
            "households_goal_met >= 0 AND households_goal_met <= households_reached "
            "AND residents_goal_met >= 0 AND residents_goal_met <= residents_reached",
            name="goal_met_within_reached",
        ),
    )
