"""Who works where (svc-grid's own facts about svc-residents' grids): assignments and duty."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, division_code_type, new_id
from linli.grid.models import Base


class GridWorker(Base):
    """A grid worker (网格员) serving a grid; a worker may serve several, a grid have several."""

    __tablename__ = "grid_workers"

    grid_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    worker_subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    name_masked: Mapped[str] = mapped_column(String(64), nullable=False)
    assigned_at: Mapped[datetime] = created_at_column()

    __table_args__ = (Index("ix_grid_workers_subject", "worker_subject"),)


class DutyShift(Base):
    """Who answers an alarm in a grid (or, without a grid, for the whole community) from when
    to when; the community's shift is the fallback for a grid with nobody on duty."""

    __tablename__ = "duty_shifts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    grid_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)
    worker_subject: Mapped[str] = mapped_column(String(64), nullable=False)
    worker_name_masked: Mapped[str] = mapped_column(String(64), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_duty_shifts_grid", "grid_id", "starts_at"),
        Index("ix_duty_shifts_community", "community_code", "starts_at"),
    )
