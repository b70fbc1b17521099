"""The hall's copy of svc-residents' residents and households: community, address, tags."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import division_code_type, updated_at_column
from linli.service_hall.models import Base


class ResidentCopy(Base):
    """A resident as the registry's events describe them, one row per resident id.

    Each group of fields keeps the time of the latest event that gave it (`place_at`, `tags_at`,
    `name_at`): an older event delivered late changes nothing, whatever order events arrive in.
    `left_at` is a tombstone (deleted, or moved out); only a move in later than it lifts it, and a
    deletion (`deleted`) is for good.
    """

    __tablename__ = "resident_copies"

    resident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    household_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False, index=True)
    name_masked: Mapped[str] = mapped_column(String(64), nullable=False, server_default="*")
    tags: Mapped[list[str]] = mapped_column(
        ARRAY(String(32)), nullable=False, server_default=text("'{}'::varchar[]")
    )
    birth_year: Mapped[int | None] = mapped_column(Integer)
    place_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tags_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    name_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    left_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    updated_at: Mapped[datetime] = updated_at_column()


class HouseholdCopy(Base):
    """A household's address and community, from household.* and resident.approved events."""

    __tablename__ = "household_copies"

    household_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    address: Mapped[str] = mapped_column(String(128), nullable=False)
    address_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = updated_at_column()
