"""Queries on funds and their accounts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset, within_division
from linli.funds.models import Account, AccountKind, Fund, FundKind, LedgerLine

# Funds are listed by division, then id: a street's funds next to its communities'.
FUND_ORDER = Keyset(Fund.division_code, Fund.id)


class FundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, fund_id: uuid.UUID, *, for_update: bool = False) -> Fund | None:
        return await self.session.get(Fund, fund_id, with_for_update=for_update)

    async def community_fund(self, community_code: str) -> Fund | None:
        """The community's general fund (its oldest, should there be several)."""
        return (
            await self.session.scalars(
                select(Fund)
                .where(Fund.division_code == community_code, Fund.kind == FundKind.COMMUNITY)
                .order_by(Fund.created_at, Fund.id)
                .limit(1)
            )
        ).one_or_none()

    async def general_fund(self, division_code: str) -> Fund | None:
        """The division's general fund: a community's community fund, a street's street fund
        (its oldest, should there be several); no other level has one."""
        kind = {12: FundKind.COMMUNITY, 9: FundKind.STREET}.get(len(division_code))
        if kind is None:
            return None
        return (
            await self.session.scalars(
                select(Fund)
                .where(Fund.division_code == division_code, Fund.kind == kind)
                .order_by(Fund.created_at, Fund.id)
                .limit(1)
            )
        ).one_or_none()

    async def list(
        self,
        *,
        division_prefix: str | None,
        kind: FundKind | None,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> Sequence[Fund]:
        statement = select(Fund)
        if division_prefix is not None:
            statement = statement.where(within_division(Fund.division_code, division_prefix))
        if kind is not None:
            statement = statement.where(Fund.kind == kind)
        statement = FUND_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()

    async def balances(self, fund_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        """The cash balance of each fund."""
        rows = await self.session.execute(
            select(Account.fund_id, Account.balance_fen).where(
                Account.fund_id.in_(fund_ids), Account.kind == AccountKind.CASH
            )
        )
        return {fund_id: balance for fund_id, balance in rows.all()}

    async def accounts(self, fund_id: uuid.UUID) -> Sequence[Account]:
        return (
            await self.session.scalars(
                select(Account).where(Account.fund_id == fund_id).order_by(Account.kind)
            )
        ).all()

    async def ledger_sums(self, fund_id: uuid.UUID) -> tuple[dict[uuid.UUID, int], int]:
        """Per account, the sum of its lines; and how many lines the fund has."""
        rows = (
            await self.session.execute(
                select(LedgerLine.account_id, func.sum(LedgerLine.amount_fen), func.count())
                .where(LedgerLine.fund_id == fund_id)
                .group_by(LedgerLine.account_id)
            )
        ).all()
        sums: dict[uuid.UUID, int] = {}
        lines = 0
        for account_id, total, count in rows:
            sums[account_id] = int(total)
            lines += count
        return sums, lines

    async def entry_totals(self, fund_id: uuid.UUID) -> dict[uuid.UUID, int]:
        """Every entry touching the fund, with the sum of all its lines (any fund's)."""
        touching = select(LedgerLine.entry_id).where(LedgerLine.fund_id == fund_id).distinct()
        rows = (
            await self.session.execute(
                select(LedgerLine.entry_id, func.sum(LedgerLine.amount_fen))
                .where(LedgerLine.entry_id.in_(touching))
                .group_by(LedgerLine.entry_id)
            )
        ).all()
        return {entry_id: int(total) for entry_id, total in rows}
