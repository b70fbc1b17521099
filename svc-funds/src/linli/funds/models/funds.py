"""Funds (社区基金) and their accounts: the fund's cash and the outside parties it deals with."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from linli.common.models import created_at_column, division_code_type, new_id, str_enum
from linli.funds.models.base import Base


class FundKind(StrEnum):
    """`street` and `community`: the division's general fund; `special`: a purpose fund (a
    youth fund, an elderly-care fund) at any level."""

    STREET = "street"
    COMMUNITY = "community"
    SPECIAL = "special"


class AccountKind(StrEnum):
    """`cash`: the money the fund holds, never below zero. The others are the outside parties
    of the double entry, each the running total of what came from or went to them: `donations`
    (donors), `income` (social enterprises), `payments` (payees), `transfers` (other funds)."""

    CASH = "cash"
    DONATIONS = "donations"
    INCOME = "income"
    PAYMENTS = "payments"
    TRANSFERS = "transfers"


class Fund(Base):
    """A fund held in trust for a division, with its committee's approval rules."""

    __tablename__ = "funds"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    division_code: Mapped[str] = mapped_column(division_code_type(), nullable=False)
    kind: Mapped[FundKind] = mapped_column(str_enum(FundKind, "kind"), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    # Approvals a payment needs (n of the committee's m), and above `large_payment_fen` the
    # approvals it needs instead (null: every member whose term is running).
    quorum: Mapped[int] = mapped_column(Integer, nullable=False)
    large_payment_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    large_quorum: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        UniqueConstraint("division_code", "name", name="uq_funds_division_code_name"),
        CheckConstraint("quorum >= 1", name="quorum_positive"),
        CheckConstraint(
            "large_payment_fen IS NULL OR large_payment_fen > 0", name="limit_positive"
        ),
        CheckConstraint(
            "large_quorum IS NULL OR large_quorum >= quorum", name="large_quorum_not_smaller"
        ),
    )


class Account(Base):
    """One side of the fund's double entry. `balance_fen` is the sum of the account's ledger
    lines, kept by a trigger on `ledger_lines` (never written by the code); the CHECK refuses a
    cash balance below zero."""

    __tablename__ = "accounts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    fund_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("funds.id"), nullable=False
    )
    kind: Mapped[AccountKind] = mapped_column(str_enum(AccountKind, "kind"), nullable=False)
    balance_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)

    __table_args__ = (
        UniqueConstraint("fund_id", "kind", name="uq_accounts_fund_id_kind"),
        CheckConstraint("kind <> 'cash' OR balance_fen >= 0", name="cash_not_negative"),
    )
