"""Queries on work orders: the counter claims take from, and the progress of each order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset, within_division
from linli.jobs_coop.models import OrderStatus, Task, TaskStatus, WorkOrder

ORDER_ORDER = Keyset(WorkOrder.community_code, WorkOrder.id)


class WorkOrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, order_id: uuid.UUID, *, for_update: bool = False) -> WorkOrder | None:
        return await self.session.get(WorkOrder, order_id, with_for_update=for_update)

    async def find(
        self,
        *,
        division_prefix: str,
        enterprise_id: uuid.UUID | None,
        status: OrderStatus | None,
        after: tuple[Any, ...] | None,
        limit: int,
    ) -> Sequence[WorkOrder]:
        statement = select(WorkOrder).where(
            within_division(WorkOrder.community_code, division_prefix)
        )
        if enterprise_id is not None:
            statement = statement.where(WorkOrder.enterprise_id == enterprise_id)
        if status is not None:
            statement = statement.where(WorkOrder.status == status)
        statement = ORDER_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()

    async def take(self, order_id: uuid.UUID, quantity: int) -> int | None:
        """Take `quantity` pieces from an open order's remainder in one statement: the row lock
        it takes serialises concurrent claims, and each re-checks the remainder it sees after
        the one before committed. The pieces left after it, or None when not enough were left."""
        left = await self.session.scalar(
            update(WorkOrder)
            .where(
                WorkOrder.id == order_id,
                WorkOrder.status == OrderStatus.OPEN,
                WorkOrder.quantity_left >= quantity,
            )
            .values(quantity_left=WorkOrder.quantity_left - quantity)
            .returning(WorkOrder.quantity_left)
            .execution_options(synchronize_session=False)
        )
        return None if left is None else int(left)

    async def left(self, order_id: uuid.UUID) -> int:
        return int(
            await self.session.scalar(
                select(WorkOrder.quantity_left).where(WorkOrder.id == order_id)
            )
            or 0
        )

    async def progress(self, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[int, ...]]:
        """Per order: pieces handed out, delivered, accepted, rejected, and its tasks."""
        rows = await self.session.execute(
            select(
                Task.work_order_id,
                func.sum(Task.quantity),
                func.sum(Task.delivered),
                func.sum(Task.accepted),
                func.sum(Task.rejected),
                func.count(),
            )
            .where(Task.work_order_id.in_(order_ids))
            .group_by(Task.work_order_id)
        )
        return {row[0]: tuple(int(v) for v in row[1:]) for row in rows.all()}

    async def unfinished_tasks(self, order_id: uuid.UUID) -> int:
        return int(
            await self.session.scalar(
                select(func.count())
                .select_from(Task)
                .where(Task.work_order_id == order_id, Task.status != TaskStatus.COMPLETED)
            )
            or 0
        )
