"""The grid's copy of svc-residents' grids and buildings: where an incident may be reported.

A read model (ARCHITECTURE.md): upserted by place id, keeping the time of the last event applied
so an older event delivered late changes nothing, and a deleted place stays as a tombstone so a
late `*.updated` cannot bring it back.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import division_code_type
from linli.grid.models import Base


class PlaceGrid(Base):
    """A grid (网格) of a community, as its last event described it."""

    __tablename__ = "place_grids"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    last_event_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_place_grids_community", "community_code"),)


class PlaceBuilding(Base):
    """A building (楼栋) and the grid it belongs to, as its last event described it."""

    __tablename__ = "place_buildings"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    grid_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)
    court_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    last_event_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_place_buildings_community", "community_code"),)
