"""Business rules of quality inspection: one check per delivery, by the cooperative or the
order's enterprise; accepted pieces earn accepted × piece rate (fixed then, in fen); the rest
goes back to the member for re-work."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.conflicts import insert_or_conflict
from linli.common.errors import Forbidden
from linli.common.outbox import events_of
from linli.jobs_coop.inspections.errors import AlreadyInspected, DeliveryNotFound, MoreThanDelivered
from linli.jobs_coop.inspections.events import TaskCompleted, TaskInspected
from linli.jobs_coop.inspections.schemas import InspectionIn, InspectionRead
from linli.jobs_coop.models import Inspection, TaskStatus, WorkOrder
from linli.jobs_coop.tasks.errors import TaskNotFound
from linli.jobs_coop.tasks.events import about
from linli.jobs_coop.tasks.repository import TaskRepository
from linli.jobs_coop.tasks.service import visible_task
from linli.jobs_coop.work_orders.service import complete_if_done


async def inspect(
    session: AsyncSession,
    *,
    principal: Principal,
    delivery_id: uuid.UUID,
    inspection_in: InspectionIn,
) -> InspectionRead:
    delivery = await TaskRepository(session).get_delivery(delivery_id)
    if delivery is None:
        raise DeliveryNotFound()
    try:
        task, standing = await visible_task(session, principal, delivery.task_id)
    except TaskNotFound as exc:
        raise DeliveryNotFound() from exc
    if standing == "member":
        raise Forbidden("a member does not inspect their own work")
    # The order's lock first, then the task's: the same order as claims, so no deadlock, and a
    # completing inspection sees every other task of the order as it is.
    order = await session.get(WorkOrder, task.work_order_id, with_for_update=True)
    assert order is not None
    await session.refresh(task, with_for_update=True)
    judged = inspection_in.accepted + inspection_in.rejected
    if judged > delivery.quantity:
        raise MoreThanDelivered(
            f"{judged} judged, {delivery.quantity} delivered", delivered=delivery.quantity
        )
    returned = delivery.quantity - judged
    amount = inspection_in.accepted * order.piece_rate_fen
    inspection = Inspection(
        delivery_id=delivery.id,
        task_id=task.id,
        work_order_id=order.id,
        member_id=task.member_id,
        enterprise_id=order.enterprise_id,
        community_code=task.community_code,
        accepted=inspection_in.accepted,
        rejected=inspection_in.rejected,
        piece_rate_fen=order.piece_rate_fen,
        amount_fen=amount,
        reasons=list(inspection_in.reasons),
        inspected_by=principal.subject,
    )
    if await insert_or_conflict(session, inspection):
        raise AlreadyInspected()
    task.accepted += inspection_in.accepted
    task.rejected += inspection_in.rejected + returned
    await session.flush()
    recorder = events_of(session)
    await recorder.record(
        TaskInspected(
            **about(task),
            inspection_id=inspection.id,
            delivery_id=delivery.id,
            accepted=inspection.accepted,
            rejected=inspection.rejected,
            returned=returned,
            amount_fen=amount,
            reasons=inspection.reasons,
        ),
        subject_id=task.id,
    )
    if task.accepted == task.quantity:
        task.status = TaskStatus.COMPLETED
        await session.flush()
        await recorder.record(
            TaskCompleted(**about(task), quantity=task.quantity), subject_id=task.id
        )
        await complete_if_done(session, order)
    return InspectionRead(
        id=inspection.id,
        delivery_id=delivery.id,
        task_id=task.id,
        work_order_id=order.id,
        member_id=task.member_id,
        accepted=inspection.accepted,
        rejected=inspection.rejected,
        returned=returned,
        piece_rate_fen=inspection.piece_rate_fen,
        amount_fen=amount,
        reasons=inspection.reasons,
        inspected_at=inspection.inspected_at,
    )
