"""Aggregates over the funds of a division prefix: cash balances and cash lines of a period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import child_groups, plan_per_call, within_division
from linli.funds.models import Account, AccountKind, Fund, LedgerLine


@dataclass(frozen=True, slots=True)
class Totals:
    funds: int = 0
    balance_fen: int = 0
    inflow_fen: int = 0
    outflow_fen: int = 0
    entries: int = 0


def _held(*keys: ColumnElement[str]) -> Select[*tuple[Any, ...]]:
    return (
        select(*keys, func.count(), func.coalesce(func.sum(Account.balance_fen), 0))
        .select_from(Fund)
        .join(Account, (Account.fund_id == Fund.id) & (Account.kind == AccountKind.CASH))
    )


def _flows(start: datetime, end: datetime, *keys: ColumnElement[str]) -> Select[*tuple[Any, ...]]:
    return (
        select(
            *keys,
            func.coalesce(func.sum(LedgerLine.amount_fen).filter(LedgerLine.amount_fen > 0), 0),
            func.coalesce(-func.sum(LedgerLine.amount_fen).filter(LedgerLine.amount_fen < 0), 0),
            func.count(),
        )
        .select_from(LedgerLine)
        .join(Account, Account.id == LedgerLine.account_id)
        .join(Fund, Fund.id == LedgerLine.fund_id)
        .where(
            Account.kind == AccountKind.CASH,
            LedgerLine.created_at >= start,
            LedgerLine.created_at < end,
        )
    )


def _totals(held: Sequence[Any], flows: Sequence[Any] | None) -> Totals:
    inflow, outflow, entries = flows if flows is not None else (0, 0, 0)
    return Totals(
        funds=int(held[0]),
        balance_fen=int(held[1]),
        inflow_fen=int(inflow),
        outflow_fen=int(outflow),
        entries=int(entries),
    )


class StatsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def totals(self, prefix: str, start: datetime, end: datetime) -> Totals:
        # One prepared statement serves every level: plan each for its own prefix.
        await plan_per_call(self.session)
        within = within_division(Fund.division_code, prefix)
        held = (await self.session.execute(_held().where(within))).one()
        flows = (await self.session.execute(_flows(start, end).where(within))).one()
        return _totals(held, flows)

    async def totals_of_children(
        self, prefix: str, start: datetime, end: datetime
    ) -> dict[str, Totals]:
        """`totals` of every unit one level below `prefix` that holds a fund, by its code: one
        grouped query each for balances and flows. A fund of `prefix` itself (a street's own)
        is in no child."""
        groups = child_groups(Fund.division_code, prefix)
        if groups is None:
            return {}
        await plan_per_call(self.session)
        key = groups.key.label("code")
        held = await self.session.execute(_held(key).where(groups.where).group_by(groups.key))
        flows = await self.session.execute(
            _flows(start, end, key).where(groups.where).group_by(groups.key)
        )
        flows_of = {code: rest for code, *rest in flows.all()}
        # Every fund has a cash account, so a unit with flows holds a fund: `held` lists it.
        return {code: _totals(rest, flows_of.get(code)) for code, *rest in held.all()}
