"""Change requests (信息变更申请): a resident asks for their own record to be corrected."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import (
    created_at_column,
    division_code_type,
    new_id,
    str_enum,
    updated_at_column,
)
from linli.residents.models.base import Base


class ChangeRequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ChangeRequest(Base):
    """The fields a resident wants changed, waiting for a worker of their community.

    `changes` holds the plain fields (name, relation, tags); a new phone never goes into JSON: it
    is kept protected like every phone (ciphertext, blind index, masked copy).
    """

    __tablename__ = "change_requests"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    resident_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("residents.id"), nullable=False
    )
    # The resident's community when filed: who may review it.
    community_code: Mapped[str] = mapped_column(
        division_code_type(), ForeignKey("divisions.code"), nullable=False
    )
    status: Mapped[ChangeRequestStatus] = mapped_column(
        str_enum(ChangeRequestStatus, "status"), nullable=False
    )
    applicant_subject: Mapped[str] = mapped_column(String(255), nullable=False)
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    phone_cipher: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    phone_index: Mapped[str | None] = mapped_column(String(64), nullable=True)
    phone_masked: Mapped[str | None] = mapped_column(String(11), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    reject_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL AND decided_by IS NULL)",
            name="decision_recorded",
        ),
        CheckConstraint(
            "status <> 'rejected' OR reject_reason IS NOT NULL", name="rejected_has_reason"
        ),
        # One open request per resident: a second would race the first's review.
        Index(
            "uq_change_requests_pending_resident",
            "resident_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_change_requests_community_created", "community_code", "created_at", "id"),
    )
