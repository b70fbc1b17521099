"""Self-registrations (自主登记) waiting for, or past, a community worker's review."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import (
    created_at_column,
    division_code_type,
    new_id,
    str_enum,
    updated_at_column,
)
from linli.residents.models.base import Base
from linli.residents.models.households import RelationToHead, Sex


class RegistrationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Registration(Base):
    """What a resident submitted from the mini-program, and the review's outcome."""

    __tablename__ = "registrations"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(
        division_code_type(), ForeignKey("divisions.code"), nullable=False
    )
    status: Mapped[RegistrationStatus] = mapped_column(
        str_enum(RegistrationStatus, "status"), nullable=False
    )
    # The account that submitted it; one account may register every member of its household.
    applicant_subject: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    sex: Mapped[Sex] = mapped_column(str_enum(Sex, "sex"), nullable=False)
    birth_date: Mapped[date] = mapped_column(Date, nullable=False)
    id_number_cipher: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    id_number_index: Mapped[str] = mapped_column(String(64), nullable=False)
    id_number_masked: Mapped[str] = mapped_column(String(18), nullable=False)
    phone_cipher: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    phone_index: Mapped[str] = mapped_column(String(64), nullable=False)
    phone_masked: Mapped[str] = mapped_column(String(11), nullable=False)
    building: Mapped[str] = mapped_column(String(32), nullable=False)
    unit: Mapped[str] = mapped_column(String(32), nullable=False)
    room: Mapped[str] = mapped_column(String(32), nullable=False)
    relation_to_head: Mapped[RelationToHead] = mapped_column(
        str_enum(RelationToHead, "relation_to_head"), nullable=False
    )
    consented_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
    # The review: who decided, when, and why not.
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    reject_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    household_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("households.id"), nullable=True
    )
    resident_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("residents.id"), nullable=True
    )

    __table_args__ = (
        CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL AND decided_by IS NULL)",
            name="decision_recorded",
        ),
        CheckConstraint(
            "status <> 'approved' OR (resident_id IS NOT NULL AND household_id IS NOT NULL)",
            name="approved_has_resident",
        ),
        CheckConstraint(
            "status <> 'rejected' OR reject_reason IS NOT NULL", name="rejected_has_reason"
        ),
        # The review queue and staff lists: a community (or a prefix of it), oldest first.
        Index("ix_registrations_community_created", "community_code", "created_at", "id"),
        Index("ix_registrations_applicant_subject", "applicant_subject"),
        # The same person cannot wait twice in one community's queue.
        Index(
            "uq_registrations_pending_id_number",
            "community_code",
            "id_number_index",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
    )
