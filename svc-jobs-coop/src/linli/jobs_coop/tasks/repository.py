"""Queries on tasks and deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset, within_division
from linli.jobs_coop.models import Delivery, Inspection, Task, TaskStatus

TASK_ORDER = Keyset(Task.created_at, Task.id)


class TaskRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, task_id: uuid.UUID, *, for_update: bool = False) -> Task | None:
        return await self.session.get(Task, task_id, with_for_update=for_update)

    async def find(
        self,
        *,
        division_prefix: str,
        member_id: uuid.UUID | None,
        work_order_id: uuid.UUID | None,
        enterprise_orders: Any | None,
        status: TaskStatus | None,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> Sequence[Task]:
        statement = select(Task).where(within_division(Task.community_code, division_prefix))
        if member_id is not None:
            statement = statement.where(Task.member_id == member_id)
        if work_order_id is not None:
            statement = statement.where(Task.work_order_id == work_order_id)
        if enterprise_orders is not None:
            statement = statement.where(Task.work_order_id.in_(enterprise_orders))
        if status is not None:
            statement = statement.where(Task.status == status)
        statement = TASK_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()

    async def reworked(self, task_id: uuid.UUID) -> int:
        """Pieces of the task delivered as re-work so far."""
        return int(
            await self.session.scalar(
                select(func.coalesce(func.sum(Delivery.rework), 0)).where(
                    Delivery.task_id == task_id
                )
            )
            or 0
        )

    async def get_delivery(self, delivery_id: uuid.UUID) -> Delivery | None:
        return await self.session.get(Delivery, delivery_id)

    async def deliveries(self, task_id: uuid.UUID) -> list[tuple[Delivery, bool]]:
        rows = await self.session.execute(
            select(Delivery, Inspection.id.is_not(None))
            .outerjoin(Inspection, Inspection.delivery_id == Delivery.id)
            .where(Delivery.task_id == task_id)
            .order_by(Delivery.created_at, Delivery.id)
        )
        return [(row[0], bool(row[1])) for row in rows.all()]
