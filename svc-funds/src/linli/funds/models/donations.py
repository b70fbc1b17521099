"""Donations: an intent at the payment provider, posted to the ledger when the provider confirms."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, new_id, str_enum
from linli.funds.models.base import Base


class DonorKind(StrEnum):
    RESIDENT = "resident"
    ENTERPRISE = "enterprise"
    ORGANISATION = "organisation"


class DonationStatus(StrEnum):
    """`pending`: the intent waits for the provider; `received`: posted; `refunded`: reversed."""

    PENDING = "pending"
    RECEIVED = "received"
    REFUNDED = "refunded"


class Donation(Base):
    __tablename__ = "donations"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    fund_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("funds.id"), nullable=False
    )
    # The project it was given to (its fund is the project's), or null for the fund itself.
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id"), nullable=True
    )
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    donor_kind: Mapped[DonorKind] = mapped_column(str_enum(DonorKind, "donor_kind"), nullable=False)
    # The name shown on the public pages, unless the donor chose to be anonymous.
    donor_name: Mapped[str] = mapped_column(String(100), nullable=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False)
    donor_subject: Mapped[str] = mapped_column(String(255), nullable=False)
    provider: Mapped[str] = mapped_column(String(32), nullable=False)
    provider_ref: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    status: Mapped[DonationStatus] = mapped_column(
        str_enum(DonationStatus, "status"), nullable=False, default=DonationStatus.PENDING
    )
    entry_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("ledger_entries.id"), nullable=True
    )
    refund_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("ledger_entries.id"), nullable=True
    )
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The receipt: numbered 1, 2, 3… per fund and year (Asia/Shanghai) when the donation is
    # posted, in the same transaction, so a number is never skipped nor given twice.
    receipt_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    receipt_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("(status = 'pending') = (entry_id IS NULL)", name="posted_has_entry"),
        CheckConstraint(
            "(status = 'refunded') = (refund_entry_id IS NOT NULL)", name="refund_has_entry"
        ),
        CheckConstraint(
            "(status = 'pending') = (receipt_number IS NULL)", name="posted_has_receipt"
        ),
        UniqueConstraint(
            "fund_id", "receipt_year", "receipt_number", name="uq_donations_fund_id_receipt"
        ),
        Index("ix_donations_fund_created", "fund_id", "created_at", "id"),
        Index("ix_donations_project_created", "project_id", "created_at", "id"),
    )


class ReceiptCounter(Base):
    """The last receipt number a fund gave in a year. Taking a number updates this row, whose
    lock holds until the donation's transaction ends: numbers are handed out one at a time, and
    a rolled-back posting gives its number back."""

    __tablename__ = "receipt_counters"

    fund_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("funds.id"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, nullable=False)
