"""The aggregate queries behind the statistics, by division prefix."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import plan_per_call, within_division
from linli.jobs_coop.models import (
    Adjustment,
    Inspection,
    Member,
    MemberStatus,
    OrderStatus,
    Task,
    TaskStatus,
    WorkOrder,
)


class StatsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def counts(self, prefix: str, start: datetime, end: datetime) -> dict[str, int]:
        # One prepared statement serves every level: plan each for its own prefix.
        await plan_per_call(self.session)
        scalar = self.session.scalar
        in_pool = await scalar(
            select(func.count()).where(
                within_division(Member.community_code, prefix), Member.status == MemberStatus.ACTIVE
            )
        )
        in_work = await scalar(
            select(func.count(distinct(Task.member_id))).where(
                within_division(Task.community_code, prefix), Task.status != TaskStatus.COMPLETED
            )
        )
        order_rows = (
            await self.session.execute(
                select(
                    func.count().filter(WorkOrder.status == OrderStatus.OPEN),
                    func.count().filter(WorkOrder.status == OrderStatus.COMPLETED),
                    func.count().filter(
                        WorkOrder.status == OrderStatus.COMPLETED,
                        WorkOrder.updated_at >= start,
                        WorkOrder.updated_at < end,
                    ),
                ).where(within_division(WorkOrder.community_code, prefix))
            )
        ).one()
        work = (
            await self.session.execute(
                select(
                    func.coalesce(func.sum(Inspection.accepted), 0),
                    func.coalesce(func.sum(Inspection.amount_fen), 0),
                    func.count(distinct(Inspection.member_id)),
                ).where(
                    within_division(Inspection.community_code, prefix),
                    Inspection.inspected_at >= start,
                    Inspection.inspected_at < end,
                )
            )
        ).one()
        adjusted = await scalar(
            select(func.coalesce(func.sum(Adjustment.amount_fen), 0)).where(
                within_division(Adjustment.community_code, prefix),
                Adjustment.created_at >= start,
                Adjustment.created_at < end,
            )
        )
        return {
            "members_in_pool": int(in_pool or 0),
            "members_in_work": int(in_work or 0),
            "orders_open": int(order_rows[0]),
            "orders_completed": int(order_rows[1]),
            "orders_completed_in_month": int(order_rows[2]),
            "pieces_accepted_in_month": int(work[0]),
            "income_in_month_fen": int(work[1]) + int(adjusted or 0),
            "earners_in_month": int(work[2]),
        }

    async def members_of(
        self, subjects: Sequence[str], prefix: str, start: datetime, end: datetime
    ) -> list[tuple[Member, int, int]]:
        """(member, open tasks, income in [start, end)) of the members with these accounts."""
        open_tasks = (
            select(func.count())
            .where(Task.member_id == Member.id, Task.status != TaskStatus.COMPLETED)
            .scalar_subquery()
        )
        income = (
            select(func.coalesce(func.sum(Inspection.amount_fen), 0))
            .where(
                Inspection.member_id == Member.id,
                Inspection.inspected_at >= start,
                Inspection.inspected_at < end,
            )
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(Member, open_tasks, income)
            .where(
                Member.account_subject.in_(list(subjects)),
                within_division(Member.community_code, prefix),
            )
            .order_by(Member.id)
        )
        return [(member, int(n), int(fen)) for member, n, fen in rows.all()]
