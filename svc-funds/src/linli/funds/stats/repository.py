"""Aggregates over the funds of a division prefix: cash balances and cash lines of a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import plan_per_call, within_division
from linli.funds.models import Account, AccountKind, Fund, LedgerLine


@dataclass(frozen=True, slots=True)
class Totals:
    funds: int
    balance_fen: int
    inflow_fen: int
    outflow_fen: int
    entries: int


class StatsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def totals(self, prefix: str, start: datetime, end: datetime) -> Totals:
        # One prepared statement serves every level: plan each for its own prefix.
        await plan_per_call(self.session)
        held = (
            await self.session.execute(
                select(func.count(), func.coalesce(func.sum(Account.balance_fen), 0))
                .select_from(Fund)
                .join(Account, (Account.fund_id == Fund.id) & (Account.kind == AccountKind.CASH))
                .where(within_division(Fund.division_code, prefix))
            )
        ).one()
        flows = (
            await self.session.execute(
                select(
                    func.coalesce(
                        func.sum(LedgerLine.amount_fen).filter(LedgerLine.amount_fen > 0), 0
                    ),
                    func.coalesce(
                        -func.sum(LedgerLine.amount_fen).filter(LedgerLine.amount_fen < 0), 0
                    ),
                    func.count(),
                )
                .select_from(LedgerLine)
                .join(Account, Account.id == LedgerLine.account_id)
                .join(Fund, Fund.id == LedgerLine.fund_id)
                .where(
                    within_division(Fund.division_code, prefix),
                    Account.kind == AccountKind.CASH,
                    LedgerLine.created_at >= start,
                    LedgerLine.created_at < end,
                )
            )
        ).one()
        return Totals(
            funds=int(held[0]),
            balance_fen=int(held[1]),
            inflow_fen=int(flows[0]),
            outflow_fen=int(flows[1]),
            entries=int(flows[2]),
        )
