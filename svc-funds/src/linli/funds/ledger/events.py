"""Events of the ledger: income received (donations and payments have their own)."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from linli.funds.funds.events import FundEvent


class IncomeReceived(FundEvent):
    """Income was posted to the fund (a social enterprise's profit, a grant)."""

    entity: ClassVar[str] = "income"
    verb: ClassVar[str] = "received"

    type: Literal["cn.linli.funds.income.received.v1"] = "cn.linli.funds.income.received.v1"
    income_id: uuid.UUID
    entry_id: uuid.UUID
    amount_fen: int
    payer: str
    balance_fen: int


class TransferReceived(FundEvent):
    """Another fund's committee paid a transfer into this fund (its `payment.paid` is on the
    paying fund's subject)."""

    entity: ClassVar[str] = "transfer"
    verb: ClassVar[str] = "received"

    type: Literal["cn.linli.funds.transfer.received.v1"] = "cn.linli.funds.transfer.received.v1"
    payment_id: uuid.UUID
    from_fund_id: uuid.UUID
    entry_id: uuid.UUID
    amount_fen: int
    balance_fen: int
