"""Request and response shapes of funds and their ledger check."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from linli.common.divisions import DivisionCode, DivisionCodeStr, Level
from linli.common.errors import InvalidValue
from linli.funds.models import AccountKind, Fund, FundKind
from linli.funds.text import Title

Quorum = Annotated[int, Strict(), Field(ge=1, le=99)]
LimitFen = Annotated[int, Strict(), Field(gt=0, le=10**13)]


class FundRules(BaseModel):
    """Approvals a payment needs: `quorum` of the committee; above `large_payment_fen`,
    `large_quorum` (null: every member whose term is running)."""

    model_config = ConfigDict(extra="forbid")

    quorum: Quorum = Field(default=2, description="Approvals a payment needs (n of m)")
    large_payment_fen: LimitFen | None = Field(
        default=None, description="Per-payment limit in fen; above it `large_quorum` applies"
    )
    large_quorum: Quorum | None = Field(
        default=None,
        description="Approvals above the limit; null: the whole committee (every running term)",
    )

    @model_validator(mode="after")
    def _large_not_smaller(self) -> Self:
        if self.large_quorum is not None and self.large_quorum < self.quorum:
            raise InvalidValue(
                "large_quorum cannot be smaller than quorum", "大额审批人数不能少于普通审批人数"
            )
        if self.large_quorum is not None and self.large_payment_fen is None:
            raise InvalidValue(
                "large_quorum needs large_payment_fen", "设置大额审批人数须同时设置单笔限额"
            )
        return self


class FundCreate(FundRules):
    """A street or community fund (its division's general fund), or a special-purpose fund."""

    division_code: DivisionCodeStr = Field(examples=["330108001001"])
    kind: FundKind
    name: Title = Field(examples=["东信社区基金"])

    @model_validator(mode="after")
    def _kind_fits_division(self) -> Self:
        level = DivisionCode.parse(self.division_code).level
        expected = {FundKind.STREET: Level.STREET, FundKind.COMMUNITY: Level.COMMUNITY}
        if self.kind in expected and level is not expected[self.kind]:
            raise InvalidValue(
                f"a {self.kind.value} fund needs a {expected[self.kind].value} code",
                "街道基金须用街道代码（9位），社区基金须用社区代码（12位）",
            )
        return self


class FundRead(BaseModel):
    id: uuid.UUID
    division_code: str
    kind: FundKind
    name: str
    quorum: int
    large_payment_fen: int | None
    large_quorum: int | None
    balance_fen: int = Field(description="What the fund holds, from its ledger")
    created_at: datetime

    @classmethod
    def from_model(cls, fund: Fund, *, balance_fen: int) -> FundRead:
        return cls(
            id=fund.id,
            division_code=fund.division_code,
            kind=fund.kind,
            name=fund.name,
            quorum=fund.quorum,
            large_payment_fen=fund.large_payment_fen,
            large_quorum=fund.large_quorum,
            balance_fen=balance_fen,
            created_at=fund.created_at,
        )


class AccountCheck(BaseModel):
    kind: AccountKind
    balance_fen: int = Field(description="The balance the fund shows")
    ledger_sum_fen: int = Field(description="The sum of the account's ledger lines")
    ok: bool


class LedgerCheck(BaseModel):
    """What anyone can verify: every balance equals its ledger, every entry sums to zero, the
    cash is not below zero."""

    fund_id: uuid.UUID
    ok: bool
    balance_fen: int
    entries: int
    lines: int
    accounts: list[AccountCheck]
    unbalanced_entries: list[uuid.UUID] = Field(description="Entries whose lines do not sum to 0")
    checked_at: datetime
