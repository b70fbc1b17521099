"""Business rules of work orders: an enterprise with an agreement in force posts piece-work;
the cooperative splits it into batches, which opens it for claims (接单) and matching; it is
completed when every piece was accepted."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.errors import Forbidden, InvalidInput
from linli.common.outbox import events_of
from linli.common.pagination import Page
from linli.jobs_coop import clock
from linli.jobs_coop.access import (
    enterprise_of,
    is_coordinator,
    member_of,
    require_coordinator,
    require_enterprise,
)
from linli.jobs_coop.enterprises.repository import EnterpriseRepository, FactoryRepository
from linli.jobs_coop.models import OrderStatus, WorkOrder
from linli.jobs_coop.work_orders.errors import (
    NoAgreementInForce,
    WorkOrderNotFound,
    WorkOrderState,
)
from linli.jobs_coop.work_orders.events import (
    WorkOrderCancelled,
    WorkOrderCompleted,
    WorkOrderPosted,
    WorkOrderSplit,
    about,
)
from linli.jobs_coop.work_orders.repository import ORDER_ORDER, WorkOrderRepository
from linli.jobs_coop.work_orders.schemas import Progress, SplitIn, WorkOrderCreate, WorkOrderRead


async def visible_order(
    session: AsyncSession, principal: Principal, order_id: uuid.UUID, *, for_update: bool = False
) -> WorkOrder:
    """The order, to a coordinator of its community, its enterprise, or a pool member of its
    community once it is open; 404 to anyone else."""
    order = await WorkOrderRepository(session).get(order_id, for_update=for_update)
    if order is None:
        raise WorkOrderNotFound()
    if is_coordinator(principal) and principal.covers(order.community_code):
        return order
    enterprise = await enterprise_of(session, principal)
    if enterprise is not None and enterprise.id == order.enterprise_id:
        return order
    member = await member_of(session, principal)
    if (
        member is not None
        and member.community_code == order.community_code
        and order.status is not OrderStatus.POSTED
    ):
        return order
    raise WorkOrderNotFound()


async def post(
    session: AsyncSession, *, principal: Principal, order_in: WorkOrderCreate
) -> WorkOrderRead:
    enterprise = await require_enterprise(session, principal)
    today = clock.today()
    if enterprise.id not in await EnterpriseRepository(session).in_force([enterprise.id], today):
        raise NoAgreementInForce(f"no cooperation agreement of {enterprise.name} covers {today}")
    if order_in.deadline < today:
        raise InvalidInput(f"the deadline {order_in.deadline} has passed")
    if order_in.factory_id is not None:
        factory = await FactoryRepository(session).get(order_in.factory_id)
        if factory is None or factory.community_code != enterprise.community_code:
            raise InvalidInput("factory_id names no micro-factory of the enterprise's community")
    order = WorkOrder(
        **order_in.model_dump(),
        enterprise_id=enterprise.id,
        community_code=enterprise.community_code,
        quantity_left=order_in.quantity,
        status=OrderStatus.POSTED,
        posted_by=principal.subject,
    )
    session.add(order)
    await session.flush()
    await events_of(session).record(
        WorkOrderPosted(
            **about(order),
            item=order.item,
            quantity=order.quantity,
            piece_rate_fen=order.piece_rate_fen,
            deadline=order.deadline,
            required_skill=order.required_skill,
        ),
        subject_id=order.id,
    )
    return (await read_many(session, [order]))[0]


async def split(
    session: AsyncSession, *, principal: Principal, order_id: uuid.UUID, split_in: SplitIn
) -> WorkOrderRead:
    """Set the batch size and open the order; a split order may be re-split (a new batch size
    for what is left)."""
    require_coordinator(principal)
    order = await visible_order(session, principal, order_id, for_update=True)
    if order.status not in (OrderStatus.POSTED, OrderStatus.OPEN):
        raise WorkOrderState(f"a {order.status.value} order cannot be split", status=order.status)
    if split_in.batch_size > order.quantity:
        raise InvalidInput("batch_size is larger than the order")
    order.batch_size = split_in.batch_size
    order.status = OrderStatus.OPEN
    await session.flush()
    await events_of(session).record(
        WorkOrderSplit(
            **about(order),
            batch_size=split_in.batch_size,
            batches=math.ceil(order.quantity_left / split_in.batch_size),
        ),
        subject_id=order.id,
    )
    return (await read_many(session, [order]))[0]


async def cancel(
    session: AsyncSession, *, principal: Principal, order_id: uuid.UUID
) -> WorkOrderRead:
    enterprise = await require_enterprise(session, principal)
    order = await visible_order(session, principal, order_id, for_update=True)
    if order.enterprise_id != enterprise.id:
        raise WorkOrderNotFound()
    if (
        order.status not in (OrderStatus.POSTED, OrderStatus.OPEN)
        or order.quantity_left != order.quantity
    ):
        raise WorkOrderState(
            "only an order nothing of which was handed out can be cancelled", status=order.status
        )
    order.status = OrderStatus.CANCELLED
    await session.flush()
    await events_of(session).record(WorkOrderCancelled(**about(order)), subject_id=order.id)
    return (await read_many(session, [order]))[0]


async def complete_if_done(session: AsyncSession, order: WorkOrder) -> None:
    """Called after an inspection, under the order's lock: every piece handed out and accepted."""
    repository = WorkOrderRepository(session)
    if order.status is not OrderStatus.OPEN or order.quantity_left != 0:
        return
    if await repository.unfinished_tasks(order.id):
        return
    order.status = OrderStatus.COMPLETED
    await session.flush()
    await events_of(session).record(
        WorkOrderCompleted(
            **about(order),
            quantity=order.quantity,
            amount_fen=order.quantity * order.piece_rate_fen,
        ),
        subject_id=order.id,
    )


async def get(session: AsyncSession, *, principal: Principal, order_id: uuid.UUID) -> WorkOrderRead:
    return (await read_many(session, [await visible_order(session, principal, order_id)]))[0]


async def list_orders(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    status: OrderStatus | None,
    cursor: str | None,
    limit: int,
) -> Page[WorkOrderRead]:
    """Staff: their scope's orders; an enterprise: its own; a pool member: their community's
    orders once open."""
    enterprise = await enterprise_of(session, principal)
    enterprise_id = None
    if enterprise is not None:
        scope, enterprise_id = enterprise.community_code, enterprise.id
    elif is_coordinator(principal):
        scope = principal.scope
    else:
        member = await member_of(session, principal)
        if member is None:
            raise Forbidden("only staff, enterprises and pool members read work orders")
        scope = member.community_code
        if status is OrderStatus.POSTED:
            return Page[WorkOrderRead](items=[])
        status = status or OrderStatus.OPEN
    prefix = division or scope
    if not prefix.startswith(scope):
        raise Forbidden(f"division {prefix} lies outside your reach {scope}")
    rows = await WorkOrderRepository(session).find(
        division_prefix=prefix,
        enterprise_id=enterprise_id,
        status=status,
        after=ORDER_ORDER.decode(cursor),
        limit=limit,
    )
    reads = {r.id: r for r in await read_many(session, rows[:limit])}
    return ORDER_ORDER.page(rows, limit=limit, read=lambda o: reads[o.id])


async def read_many(session: AsyncSession, orders: Sequence[WorkOrder]) -> list[WorkOrderRead]:
    progress = await WorkOrderRepository(session).progress([o.id for o in orders])
    reads = []
    for order in orders:
        handed, delivered, accepted, rejected, tasks = progress.get(order.id, (0, 0, 0, 0, 0))
        reads.append(
            WorkOrderRead(
                id=order.id,
                enterprise_id=order.enterprise_id,
                community_code=order.community_code,
                item=order.item,
                quantity=order.quantity,
                quantity_left=order.quantity_left,
                piece_rate_fen=order.piece_rate_fen,
                deadline=order.deadline,
                required_skill=order.required_skill,
                min_level=order.min_level,
                work_mode=order.work_mode,
                pickup_site=order.pickup_site,
                factory_id=order.factory_id,
                quality_standard=order.quality_standard,
                batch_size=order.batch_size,
                status=order.status,
                progress=Progress(
                    handed_out=handed,
                    delivered=delivered,
                    accepted=accepted,
                    rejected=rejected,
                    tasks=tasks,
                    amount_fen=accepted * order.piece_rate_fen,
                ),
                created_at=order.created_at,
            )
        )
    return reads
