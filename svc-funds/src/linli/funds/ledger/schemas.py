"""Request and response shapes of the ledger."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict

from linli.funds.models import EntryKind, Income
from linli.funds.text import Memo, Title

# Integer fen, and only an integer: `1.5` (a fraction of a fen) and `100.0` are refused alike,
# so no client ever learns that a float was taken for money. 10¹³ fen is 100 billion yuan.
AmountFen = Annotated[
    int,
    Strict(),
    Field(gt=0, le=10**13, description="Integer fen (分), at least 1", examples=[100]),
]


class IncomeCreate(BaseModel):
    """Income to post: who paid it in and how much."""

    model_config = ConfigDict(extra="forbid")

    amount_fen: AmountFen
    payer: Title = Field(examples=["东信社区长者食堂"])
    memo: Memo = Field(default="", examples=["11月30日利润"])


class IncomeRead(BaseModel):
    id: uuid.UUID
    fund_id: uuid.UUID
    amount_fen: int
    payer: str
    memo: str
    entry_id: uuid.UUID
    balance_fen: int = Field(description="The fund's balance after this income")
    created_at: datetime

    @classmethod
    def from_model(cls, income: Income, *, entry_id: uuid.UUID, balance_fen: int) -> IncomeRead:
        return cls(
            id=income.id,
            fund_id=income.fund_id,
            amount_fen=income.amount_fen,
            payer=income.payer,
            memo=income.memo,
            entry_id=entry_id,
            balance_fen=balance_fen,
            created_at=income.created_at,
        )


class MovementRead(BaseModel):
    """One movement of a fund's money: positive in, negative out."""

    line_id: int
    entry_id: uuid.UUID
    kind: EntryKind
    source_id: uuid.UUID = Field(description="The donation, payment request, transfer or income")
    amount_fen: int
    memo: str
    reverses_entry_id: uuid.UUID | None
    created_at: datetime
