"""The household roster (户籍名册): the grid's own copy of approved households and their residents."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.db import utcnow_column
from linli.common.models import division_code_type
from linli.grid.models import Base


class RosterHousehold(Base):
    """One household, once, whatever how many of its residents' approvals arrive or repeat."""

    __tablename__ = "household_roster"

    household_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    grid_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)
    address: Mapped[str] = mapped_column(String(128), nullable=False)
    members: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    first_seen_event_id: Mapped[str] = mapped_column(String(128), nullable=False)
    updated_at: Mapped[datetime] = utcnow_column()
    # The time of the last household.* event applied (null: known only from approvals so far);
    # an older one delivered late is ignored. `deleted_at` is a tombstone: the row stays.
    last_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The time of the last event that gave the address and community (creation, moves).
    address_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # The order of the paginated listing: by community, then address.
        Index("ix_household_roster_listing", "community_code", "address", "household_id"),
    )


class RosterMember(Base):
    """A resident of a roster household, counted once however often their approval is delivered."""

    __tablename__ = "roster_members"

    resident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    household_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("household_roster.household_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    name_masked: Mapped[str] = mapped_column(String(64), nullable=False)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # The registry's stored tags and birth year, as far as its events told us: a campaign
    # sends door to door to households of the mobility-impaired and the elderly living alone.
    tags: Mapped[list[str]] = mapped_column(
        ARRAY(String(32)), nullable=False, server_default=text("'{}'::varchar[]")
    )
    birth_year: Mapped[int | None] = mapped_column(Integer)
    # As on households: the last resident.* event applied, and the tombstone of one who left.
    last_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
