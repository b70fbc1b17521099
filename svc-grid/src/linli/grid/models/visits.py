"""Patrols and visits (巡查 / 走访): a grid worker's record of a visit, its findings and photos."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, division_code_type, new_id, str_enum
from linli.grid.models import Base


class VisitTarget(StrEnum):
    HOUSEHOLD = "household"
    BUILDING = "building"
    ENTERPRISE = "enterprise"


class Visit(Base):
    """One visit: who went where, when, why, and what the checklist found."""

    __tablename__ = "visits"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    grid_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    target: Mapped[VisitTarget] = mapped_column(
        str_enum(VisitTarget, "visit_target"), nullable=False
    )
    household_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    building_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    enterprise_name: Mapped[str | None] = mapped_column(String(100))
    worker_subject: Mapped[str] = mapped_column(String(64), nullable=False)
    worker_name_masked: Mapped[str | None] = mapped_column(String(64))
    visited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    purpose: Mapped[str] = mapped_column(String(32), nullable=False)
    note: Mapped[str | None] = mapped_column(String(500))
    # [{"item": "fire_exits", "ok": false, "note": "..."}], as the checklist was filled in.
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    incident_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint(
            "(target = 'household') = (household_id IS NOT NULL)"
            " AND (target <> 'enterprise' OR enterprise_name IS NOT NULL)",
            name="target_named",
        ),
        Index("ix_visits_household", "household_id", "visited_at"),
        Index("ix_visits_grid", "grid_id", "visited_at", "id"),
        Index("ix_visits_community", "community_code", "visited_at", "id"),
    )


class VisitPhoto(Base):
    """A photo taken on a visit, stored by the kernel's file store."""

    __tablename__ = "visit_photos"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    visit_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("visits.id", ondelete="CASCADE"), nullable=False, index=True
    )
    key: Mapped[str] = mapped_column(String(300), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
