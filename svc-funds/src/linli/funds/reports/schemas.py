"""Shapes of a fund's monthly report; every amount in fen and as a yuan string."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

# `2026-12`: ASCII digits only, a real month.
Month = Annotated[
    str, StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", min_length=7, max_length=7)
]


class ReportLine(BaseModel):
    """One group of movements: what kind (`source`), of whom or for what (`detail`)."""

    source: str = Field(
        description="income: donations, project_donations, refunds, income, transfers_in; "
        "spending: payments, project_payments, transfers_out",
        examples=["donations"],
    )
    detail: str = Field(description="Donor kind, payer, project or fund", examples=["resident"])
    project_id: uuid.UUID | None = None
    entries: int
    amount_fen: int
    amount_yuan: str


class MonthlyReport(BaseModel):
    """What came in and went out of a fund in one calendar month (Asia/Shanghai); the closing
    balance is the opening one plus the income less the spending, all from the ledger (the same
    ledger, the same report: it carries no time of its own, so its ETag holds)."""

    fund_id: uuid.UUID
    fund_name: str
    division_code: str
    month: str
    period_start: date
    period_end: date = Field(description="The month's last day")
    opening_balance_fen: int
    opening_balance_yuan: str
    income: list[ReportLine]
    income_fen: int
    income_yuan: str
    spending: list[ReportLine] = Field(description="Amounts positive: what went out")
    spending_fen: int
    spending_yuan: str
    closing_balance_fen: int
    closing_balance_yuan: str
