"""Queries of settlement: what is not settled yet, and the statements issued."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset, within_division
from linli.jobs_coop.models import (
    Adjustment,
    Inspection,
    Statement,
    StatementKind,
    StatementLine,
    StatementRun,
    Task,
)

STATEMENT_ORDER = Keyset(Statement.community_code, Statement.created_at, Statement.id)


class SettlementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_community(self, community_code: str) -> None:
        """One settlement of a community at a time (released at commit): the second waits,
        then sees what the first settled."""
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"jobs-coop-settlement:{community_code}"},
        )

    async def unsettled_inspections(
        self, community_code: str, until: datetime
    ) -> Sequence[Inspection]:
        settled = select(StatementLine.inspection_id).where(
            StatementLine.inspection_id.is_not(None), StatementLine.kind == StatementKind.WORKER
        )
        return (
            await self.session.scalars(
                select(Inspection)
                .where(
                    Inspection.community_code == community_code,
                    Inspection.inspected_at < until,
                    Inspection.id.not_in(settled),
                )
                .order_by(Inspection.inspected_at, Inspection.id)
            )
        ).all()

    async def unsettled_adjustments(
        self, community_code: str, until: datetime
    ) -> Sequence[Adjustment]:
        settled = select(StatementLine.adjustment_id).where(
            StatementLine.adjustment_id.is_not(None), StatementLine.kind == StatementKind.WORKER
        )
        return (
            await self.session.scalars(
                select(Adjustment)
                .where(
                    Adjustment.community_code == community_code,
                    Adjustment.created_at < until,
                    Adjustment.id.not_in(settled),
                )
                .order_by(Adjustment.created_at, Adjustment.id)
            )
        ).all()

    async def run(self, run_id: uuid.UUID) -> StatementRun | None:
        return await self.session.get(StatementRun, run_id)

    async def run_of(self, community_code: str, month: date) -> StatementRun | None:
        return await self.session.scalar(
            select(StatementRun).where(
                StatementRun.community_code == community_code, StatementRun.month == month
            )
        )

    async def statements_of_run(self, run_id: uuid.UUID) -> Sequence[Statement]:
        return (
            await self.session.scalars(
                select(Statement)
                .where(Statement.run_id == run_id)
                .order_by(Statement.kind, Statement.id)
            )
        ).all()

    async def statement(self, statement_id: uuid.UUID) -> Statement | None:
        return await self.session.get(Statement, statement_id)

    async def lines(self, statement_id: uuid.UUID) -> Sequence[StatementLine]:
        """A statement's lines in the order the work was inspected or the correction recorded."""
        return (
            await self.session.scalars(
                select(StatementLine)
                .outerjoin(Inspection, Inspection.id == StatementLine.inspection_id)
                .outerjoin(Adjustment, Adjustment.id == StatementLine.adjustment_id)
                .where(StatementLine.statement_id == statement_id)
                .order_by(
                    func.coalesce(Inspection.inspected_at, Adjustment.created_at), StatementLine.id
                )
            )
        ).all()

    async def find(
        self,
        *,
        division_prefix: str,
        month: date | None,
        kind: StatementKind | None,
        member_id: uuid.UUID | None,
        enterprise_id: uuid.UUID | None,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> Sequence[Statement]:
        statement = select(Statement).where(
            within_division(Statement.community_code, division_prefix)
        )
        if month is not None:
            statement = statement.where(Statement.month == month)
        if kind is not None:
            statement = statement.where(Statement.kind == kind)
        if member_id is not None:
            statement = statement.where(Statement.member_id == member_id)
        if enterprise_id is not None:
            statement = statement.where(Statement.enterprise_id == enterprise_id)
        statement = STATEMENT_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()

    async def worked_on(self, member_id: uuid.UUID, work_order_id: uuid.UUID) -> bool:
        return bool(
            await self.session.scalar(
                select(func.count())
                .select_from(Task)
                .where(Task.member_id == member_id, Task.work_order_id == work_order_id)
            )
        )
