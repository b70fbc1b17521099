"""Service points (便民服务中心): a hall serving one or more communities, its hours and counters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, division_code_type, new_id, updated_at_column
from linli.service_hall.models import Base


class ServicePoint(Base):
    """A hall; `communities` are the 12-digit codes whose residents it serves."""

    __tablename__ = "service_points"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    division_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    address: Mapped[str] = mapped_column(String(128), nullable=False)
    communities: Mapped[list[str]] = mapped_column(ARRAY(String(12)), nullable=False)
    # [{"weekday": 1..7, "opens": "08:30", "closes": "17:00"}]
    opening_hours: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    # [{"number": 1, "name": "综合窗口"}]
    counters: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        Index("ix_service_points_communities", "communities", postgresql_using="gin"),
    )
