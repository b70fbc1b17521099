"""Shape of the funds' statistics of a division."""

from __future__ import annotations

from pydantic import BaseModel, Field

from linli.funds.reports.schemas import Month


class FundStats(BaseModel):
    """The funds held for a division and every division below it, counted from the ledger on
    every call (a city's figures are its communities', streets' and districts' funds together)."""

    division: str = Field(examples=["330108001"])
    month: Month = Field(description="The Asia/Shanghai calendar month the flows cover")
    funds: int = Field(description="Funds held for the division or a division below it")
    balance_fen: int = Field(description="Cash held by those funds now, in fen")
    inflow_fen: int = Field(
        description="Cash that came into those funds in the month: donations, income, refunds "
        "reversed, transfers in (a transfer between two funds of the subtree counts both ways)"
    )
    outflow_fen: int = Field(description="Cash that went out of those funds in the month")
    entries_in_month: int = Field(description="Cash movements of those funds in the month")
