"""The service catalogue (办事事项): items and their versions, and 一件事 bundles of items."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.divisions import Level
from linli.common.models import (
    created_at_column,
    division_code_type,
    new_id,
    str_enum,
    updated_at_column,
)
from linli.service_hall.models import Base


class CatalogueItem(Base):
    """An item's identity and owner; what it asks and promises lives in its versions."""

    __tablename__ = "catalogue_items"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    owning_level: Mapped[Level] = mapped_column(str_enum(Level, "level"), nullable=False)
    owning_division: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    current_version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class CatalogueItemVersion(Base):
    """One version of an item's rules; never changed once written, so an application filed under
    it keeps the materials, channels, promise and fee it was filed with."""

    __tablename__ = "catalogue_item_versions"

    item_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("catalogue_items.id"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    # Division codes (any level) where the item is offered: a community is served if one prefixes it.
    divisions: Mapped[list[str]] = mapped_column(ARRAY(String(12)), nullable=False)
    # [{"code": "id_card", "name": "身份证", "required": true, "types": ["image/jpeg", ...]}]
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    channels: Mapped[list[str]] = mapped_column(ARRAY(String(16)), nullable=False)
    promised_working_days: Mapped[int] = mapped_column(Integer, nullable=False)
    fee_fen: Mapped[int] = mapped_column(Integer, nullable=False)
    created_by: Mapped[str] = mapped_column(String(128), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("fee_fen >= 0", name="fee_not_negative"),
        CheckConstraint("promised_working_days >= 1", name="promise_positive"),
    )


class Bundle(Base):
    """A life event (一件事: a new baby, moving in, retiring): several items filed as one."""

    __tablename__ = "bundles"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    owning_division: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    item_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (Index("ix_bundles_owning_division", "owning_division"),)
