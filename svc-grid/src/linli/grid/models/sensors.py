"""IoT devices of a grid and their credentials (the secret stored hashed, shown once)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, division_code_type, new_id
from linli.grid.models import Base


class Device(Base):
    """A sensor registered to a grid; it authenticates its alerts with its own secret."""

    __tablename__ = "devices"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    grid_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    # SHA-256 of a 256-bit random secret: a brute-forceable hash is not needed for a secret
    # with that much entropy, and checking it costs microseconds under an alert burst.
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
