"""The double-entry ledger: entries of lines summing to zero, append-only (the migration's
triggers refuse UPDATE and DELETE, and an entry whose lines do not sum to zero)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, new_id, str_enum
from linli.funds.models.base import Base


class EntryKind(StrEnum):
    """What an entry records; `source_id` names the record of that kind it came from."""

    DONATION = "donation"
    PAYMENT = "payment"
    TRANSFER = "transfer"
    INCOME = "income"
    REFUND = "refund"
    REVERSAL = "reversal"


class LedgerEntry(Base):
    """One movement of money. A source is posted once: (kind, source_id) is unique."""

    __tablename__ = "ledger_entries"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, "kind"), nullable=False)
    # The donation, payment request, transfer or income record the money moved for.
    source_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    memo: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # A correction is a new entry reversing an old one, never an edit of it.
    reverses_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("ledger_entries.id"), nullable=True, unique=True
    )
    created_by: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (UniqueConstraint("kind", "source_id", name="uq_ledger_entries_kind_source"),)


class LedgerLine(Base):
    """One account's share of an entry, in fen: positive into the account, negative out of it."""

    __tablename__ = "ledger_lines"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("ledger_entries.id"), nullable=False
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id"), nullable=False
    )
    # The account's fund, kept on the line so a fund's movements are one index range.
    fund_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("funds.id"), nullable=False
    )
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        CheckConstraint("amount_fen <> 0", name="amount_not_zero"),
        Index("ix_ledger_lines_account_created", "account_id", "created_at", "id"),
        Index("ix_ledger_lines_entry_id", "entry_id"),
        Index("ix_ledger_lines_fund_id", "fund_id"),
    )
