"""Payment and reimbursement requests and the committee's approvals of them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, new_id, str_enum
from linli.funds.models.base import Base


class PaymentKind(StrEnum):
    """`payment`: to a supplier or helper; `reimbursement`: back to someone who paid first;
    `transfer`: to another fund (a street fund's grant to a community fund), decided by the
    paying fund's committee like any payment."""

    PAYMENT = "payment"
    REIMBURSEMENT = "reimbursement"
    TRANSFER = "transfer"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    REJECTED = "rejected"


class PaymentRequest(Base):
    """A request to pay out of a fund; paid by the approval that completes its quorum."""

    __tablename__ = "payment_requests"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    fund_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("funds.id"), nullable=False
    )
    kind: Mapped[PaymentKind] = mapped_column(str_enum(PaymentKind, "kind"), nullable=False)
    # The project the money is spent on, when it is (its completion report adds these up).
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("projects.id"), nullable=True
    )
    # The fund a transfer pays into.
    to_fund_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("funds.id"), nullable=True
    )
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    payee: Mapped[str] = mapped_column(String(100), nullable=False)
    # The payee's account, when they have one: they may not approve what pays them.
    payee_subject: Mapped[str | None] = mapped_column(String(255), nullable=True)
    purpose: Mapped[str] = mapped_column(Text, nullable=False)
    requested_by: Mapped[str] = mapped_column(String(255), nullable=False)
    # Fixed when the request is made, from the fund's rules then: a later change of the rules
    # neither loosens nor blocks what is already asked.
    approvals_required: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[PaymentStatus] = mapped_column(
        str_enum(PaymentStatus, "status"), nullable=False, default=PaymentStatus.PENDING
    )
    entry_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("ledger_entries.id"), nullable=True
    )
    rejected_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("approvals_required >= 1", name="approvals_required_positive"),
        CheckConstraint("(status = 'paid') = (entry_id IS NOT NULL)", name="paid_has_entry"),
        CheckConstraint(
            "(kind = 'transfer') = (to_fund_id IS NOT NULL) AND to_fund_id IS DISTINCT FROM fund_id",
            name="transfer_has_target",
        ),
        Index("ix_payment_requests_fund_created", "fund_id", "created_at", "id"),
        Index("ix_payment_requests_project_created", "project_id", "created_at", "id"),
    )


class PaymentApproval(Base):
    """One member's approval of one request; a second by the same member is refused."""

    __tablename__ = "payment_approvals"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    request_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("payment_requests.id"), nullable=False
    )
    member_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("committee_members.id"), nullable=False
    )
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        UniqueConstraint(
            "request_id", "member_id", name="uq_payment_approvals_request_id_member_id"
        ),
    )
