"""Shape of the funds' statistics of a division."""

from __future__ import annotations

from pydantic import BaseModel, Field

from linli.funds.reports.schemas import Month


class FundFigures(BaseModel):
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


class FundStats(FundFigures):
    """A division's figures and, with `children=true`, the same for the units one level below."""

    children: list[FundFigures] | None = Field(
        default=None,
        description="With `children=true` only: the figures of each unit one level below "
        "`division` that holds a fund (its own or one below it), in code order; the division's "
        "own funds are in no child. Funds keeps no division tree, so a unit holding none is left "
        "out: its figures are all zero.",
    )
