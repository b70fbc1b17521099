"""Moves (迁入/迁出/迁移): the history of where a resident lived, one row per person per move."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, division_code_type, new_id, str_enum
from linli.residents.models.base import Base


class MoveKind(StrEnum):
    """`in`: from outside the platform; `out`: leaves the platform's area (the record is kept,
    inactive); `transfer`: between dwellings or communities of the platform (same record)."""

    IN = "in"
    OUT = "out"
    TRANSFER = "transfer"


class ResidentMove(Base):
    """One person's move. The resident keeps their id; their community and dwelling change. A
    whole household's move writes one row per member, `whole_household` set on each."""

    __tablename__ = "resident_moves"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    resident_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("residents.id"), nullable=False
    )
    kind: Mapped[MoveKind] = mapped_column(str_enum(MoveKind, "kind"), nullable=False)
    whole_household: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Where the person lived before (null for a move in) and after (null for a move out).
    from_community_code: Mapped[str | None] = mapped_column(
        division_code_type(), ForeignKey("divisions.code"), nullable=True
    )
    from_household_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("households.id"), nullable=True
    )
    from_dwelling_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("dwellings.id"), nullable=True
    )
    to_community_code: Mapped[str | None] = mapped_column(
        division_code_type(), ForeignKey("divisions.code"), nullable=True
    )
    to_household_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("households.id"), nullable=True
    )
    to_dwelling_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("dwellings.id"), nullable=True
    )
    # When the person moved (a worker may record it afterwards); created_at is when it was recorded.
    moved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(255), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint(
            "(kind = 'in') = (from_community_code IS NULL)"
            " AND (kind = 'out') = (to_community_code IS NULL)",
            name="sides_of_kind",
        ),
        CheckConstraint(
            "(from_community_code IS NULL) = (from_household_id IS NULL)"
            " AND (from_household_id IS NULL) = (from_dwelling_id IS NULL)"
            " AND (to_community_code IS NULL) = (to_household_id IS NULL)"
            " AND (to_household_id IS NULL) = (to_dwelling_id IS NULL)",
            name="sides_complete",
        ),
        # A division's list is "from OR to in the prefix": one range scan on each index, OR-ed.
        Index("ix_resident_moves_from_community_created", "from_community_code", "created_at"),
        Index("ix_resident_moves_to_community_created", "to_community_code", "created_at"),
        Index("ix_resident_moves_resident_id", "resident_id"),
    )
