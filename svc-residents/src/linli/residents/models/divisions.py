"""The division tree: city, district, street and community (grids and places join it later)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.divisions import Level
from linli.common.models import created_at_column, division_code_type, str_enum, updated_at_column
from linli.residents.models.base import Base


class Division(Base):
    """One administrative unit, named by its 4, 6, 9 or 12-digit statistical code (统计用区划代码)."""

    __tablename__ = "divisions"

    code: Mapped[str] = mapped_column(division_code_type(), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    # Derived from the code's length; stored so lists can filter on it without string functions.
    level: Mapped[Level] = mapped_column(str_enum(Level, "level"), nullable=False)
    parent_code: Mapped[str | None] = mapped_column(
        division_code_type(), ForeignKey("divisions.code"), nullable=True
    )
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]+$' AND length(code) IN (4, 6, 9, 12)", name="code_format"),
        # A parent is always a strict prefix of its child, which keeps the tree and the scope rule
        # (prefix match) the same thing.
        CheckConstraint(
            "parent_code IS NULL OR (code LIKE parent_code || '%' AND code <> parent_code)",
            name="parent_is_prefix",
        ),
        Index("ix_divisions_parent_code", "parent_code"),
    )
