"""Queries of the monthly report: a fund's cash lines in a period, with their sources."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.funds.models import (
    Donation,
    EntryKind,
    Fund,
    Income,
    LedgerEntry,
    LedgerLine,
    PaymentRequest,
    Project,
)


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def balance_before(self, account_id: uuid.UUID, moment: datetime) -> int:
        total = await self.session.scalar(
            select(func.coalesce(func.sum(LedgerLine.amount_fen), 0)).where(
                LedgerLine.account_id == account_id, LedgerLine.created_at < moment
            )
        )
        return int(total or 0)

    async def lines(
        self, account_id: uuid.UUID, start: datetime, end: datetime
    ) -> Sequence[Row[int, EntryKind, uuid.UUID]]:
        """(amount, entry kind, source id) of every cash line in [start, end)."""
        return (
            await self.session.execute(
                select(LedgerLine.amount_fen, LedgerEntry.kind, LedgerEntry.source_id)
                .join(LedgerEntry, LedgerEntry.id == LedgerLine.entry_id)
                .where(
                    LedgerLine.account_id == account_id,
                    LedgerLine.created_at >= start,
                    LedgerLine.created_at < end,
                )
            )
        ).all()

    async def donations(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Donation]:
        rows = await self.session.scalars(select(Donation).where(Donation.id.in_(ids)))
        return {row.id: row for row in rows}

    async def incomes(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Income]:
        rows = await self.session.scalars(select(Income).where(Income.id.in_(ids)))
        return {row.id: row for row in rows}

    async def payments(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PaymentRequest]:
        rows = await self.session.scalars(select(PaymentRequest).where(PaymentRequest.id.in_(ids)))
        return {row.id: row for row in rows}

    async def projects(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Project]:
        rows = await self.session.scalars(select(Project).where(Project.id.in_(ids)))
        return {row.id: row for row in rows}

    async def funds(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Fund]:
        rows = await self.session.scalars(select(Fund).where(Fund.id.in_(ids)))
        return {row.id: row for row in rows}
