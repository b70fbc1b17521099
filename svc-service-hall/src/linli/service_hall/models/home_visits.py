"""Door-to-door visits (上门办) for residents who cannot come to the hall."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import (
    created_at_column,
    division_code_type,
    new_id,
    str_enum,
    updated_at_column,
)
from linli.service_hall.models import Base


class HomeVisitStatus(StrEnum):
    REQUESTED = "requested"
    ASSIGNED = "assigned"
    SCHEDULED = "scheduled"
    DONE = "done"
    NOT_AT_HOME = "not_at_home"
    CANCELLED = "cancelled"


class HomeVisit(Base):
    """A request for a worker to come to the resident's home for an item."""

    __tablename__ = "home_visits"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    resident_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    resident_name_masked: Mapped[str] = mapped_column(String(64), nullable=False)
    address: Mapped[str] = mapped_column(String(128), nullable=False)
    item_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    status: Mapped[HomeVisitStatus] = mapped_column(
        str_enum(HomeVisitStatus, "home_visit_status"), nullable=False
    )
    # Why the resident qualifies (mobility_impaired, disabled, elderly), or `worker` when staff filed it.
    reason: Mapped[str] = mapped_column(String(32), nullable=False)
    requested_by_role: Mapped[str] = mapped_column(String(32), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    worker_subject: Mapped[str | None] = mapped_column(String(128))
    worker_name_masked: Mapped[str | None] = mapped_column(String(64))
    scheduled_for: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    visits: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    materials_collected: Mapped[list[str]] = mapped_column(
        ARRAY(String(32)), nullable=False, server_default=text("'{}'::varchar[]")
    )
    application_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    __table_args__ = (
        Index("ix_home_visits_listing", "community_code", "created_at", "id"),
        Index("ix_home_visits_worker", "worker_subject", "status"),
    )
