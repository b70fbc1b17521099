"""Open311 client applications (their api_key stored hashed) and the requests they posted."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, division_code_type, new_id
from linli.grid.models import Base


class Open311Client(Base):
    """A civic-reporting app allowed to post requests into a division (its key shown once)."""

    __tablename__ = "open311_clients"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    # Where its requests may lie: a division prefix of the staff member who issued it.
    division_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    # SHA-256 of a 256-bit random key: as with device secrets, the entropy makes a slow hash
    # unnecessary, and a lookup by hash finds the client in one index probe.
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ux_open311_clients_key_hash", "key_hash", unique=True),)


class Open311Request(Base):
    """The Open311 side of an incident a client posted: its token and the attributes sent."""

    __tablename__ = "open311_requests"

    incident_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("open311_clients.id"), nullable=False
    )
    token: Mapped[str] = mapped_column(String(64), nullable=False)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    media_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        Index("ux_open311_requests_token", "token", unique=True),
        # The public list: newest first.
        Index("ix_open311_requests_created", "created_at"),
    )
