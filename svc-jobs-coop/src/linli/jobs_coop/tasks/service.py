"""Business rules of tasks: claims (接单) and coordinators' matches take pieces from an order's
remainder, never more than is left; then the material is picked up and finished pieces are
delivered, re-work included."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.errors import Forbidden
from linli.common.outbox import events_of
from linli.common.pagination import Page
from linli.jobs_coop import clock
from linli.jobs_coop.access import enterprise_of, is_coordinator, member_of, require_coordinator
from linli.jobs_coop.models import (
    Delivery,
    MemberStatus,
    OrderStatus,
    Task,
    TaskOrigin,
    TaskStatus,
    WorkOrder,
)
from linli.jobs_coop.pool.errors import MemberNotFound
from linli.jobs_coop.pool.repository import MemberRepository
from linli.jobs_coop.tasks import matching
from linli.jobs_coop.tasks.errors import (
    NoEligibleMember,
    NotClaimable,
    NotEnoughLeft,
    SkillRequired,
    TaskNotFound,
    TaskState,
    TooManyDelivered,
)
from linli.jobs_coop.tasks.events import TaskClaimed, TaskDelivered, TaskPickedUp, about
from linli.jobs_coop.tasks.repository import TASK_ORDER, TaskRepository
from linli.jobs_coop.tasks.schemas import (
    Candidate,
    ClaimIn,
    DeliveryIn,
    DeliveryRead,
    MatchIn,
    TaskRead,
)
from linli.jobs_coop.work_orders.repository import WorkOrderRepository
from linli.jobs_coop.work_orders.service import visible_order


async def claim(
    session: AsyncSession, *, principal: Principal, order_id: uuid.UUID, claim_in: ClaimIn
) -> TaskRead:
    """A member claims a batch for themselves, or a coordinator for a member who asked."""
    order = await visible_order(session, principal, order_id)
    if claim_in.member_id is not None:
        require_coordinator(principal)
        member = await MemberRepository(session).get(claim_in.member_id)
        if member is None or not principal.covers(member.community_code):
            raise MemberNotFound()
        assigned_by = principal.subject
    else:
        own = await member_of(session, principal)
        if own is None:
            raise Forbidden("only a pool member claims work (a coordinator names member_id)")
        member, assigned_by = own, principal.subject
    if member.status is not MemberStatus.ACTIVE or member.community_code != order.community_code:
        raise MemberNotFound("the member is not in this order's community pool")
    skill = await MemberRepository(session).skill(member.id, order.required_skill)
    if skill is None or skill.level < order.min_level:
        raise SkillRequired(
            f"the order needs {order.required_skill} at level {order.min_level}",
            required_skill=order.required_skill,
            min_level=order.min_level,
        )
    return await _hand_out(
        session,
        order=order,
        member_id=member.id,
        quantity=claim_in.quantity,
        origin=TaskOrigin.CLAIMED,
        assigned_by=assigned_by,
    )


async def candidates(
    session: AsyncSession,
    *,
    principal: Principal,
    order_id: uuid.UUID,
    at: datetime | None,
    limit: int,
) -> list[Candidate]:
    """Who a match would offer the next batch to, in the rule's order (see `tasks.matching`)."""
    require_coordinator(principal)
    order = await visible_order(session, principal, order_id)
    ranked = await matching.candidates(session, order, at=at or clock.now(), limit=limit)
    return [
        Candidate(
            member_id=r.member_id,
            name=r.name,
            skill_level=r.skill_level,
            recent_fen=r.recent_fen,
            recent_tasks=r.recent_tasks,
            last_task_at=r.last_task_at,
        )
        for r in ranked
    ]


async def match(
    session: AsyncSession, *, principal: Principal, order_id: uuid.UUID, match_in: MatchIn
) -> TaskRead:
    """Hand the next batch to the first member by the fair-share rule. The order's row lock
    is taken first, so two coordinators matching at once see each other's batches."""
    require_coordinator(principal)
    order = await visible_order(session, principal, order_id, for_update=True)
    _require_open(order)
    ranked = await matching.candidates(session, order, at=match_in.at or clock.now(), limit=1)
    if not ranked:
        raise NoEligibleMember(
            "nobody with the skill is available then who holds no batch of this order"
        )
    return await _hand_out(
        session,
        order=order,
        member_id=ranked[0].member_id,
        quantity=match_in.quantity,
        origin=TaskOrigin.MATCHED,
        assigned_by=principal.subject,
    )


def _require_open(order: WorkOrder) -> None:
    if order.status is not OrderStatus.OPEN:
        raise NotClaimable(
            f"the order is {order.status.value}; it opens once the cooperative splits it",
            status=order.status,
        )


async def _hand_out(
    session: AsyncSession,
    *,
    order: WorkOrder,
    member_id: uuid.UUID,
    quantity: int | None,
    origin: TaskOrigin,
    assigned_by: str,
) -> TaskRead:
    _require_open(order)
    repository = WorkOrderRepository(session)
    wanted = quantity or order.batch_size or order.quantity
    left = await repository.take(order.id, wanted)
    if left is None and quantity is None:
        # A default batch takes what is left when less than a batch is.
        remainder = await repository.left(order.id)
        if remainder > 0:
            wanted, left = remainder, await repository.take(order.id, remainder)
    if left is None:
        remainder = await repository.left(order.id)
        raise NotEnoughLeft(
            f"{wanted} asked, {remainder} left", quantity_left=remainder, quantity_asked=wanted
        )
    task = Task(
        work_order_id=order.id,
        member_id=member_id,
        community_code=order.community_code,
        origin=origin,
        quantity=wanted,
        assigned_by=assigned_by,
    )
    session.add(task)
    await session.flush()
    await events_of(session).record(
        TaskClaimed(**about(task), origin=origin, quantity=wanted, quantity_left=left),
        subject_id=task.id,
    )
    return read(task)


async def visible_task(
    session: AsyncSession, principal: Principal, task_id: uuid.UUID, *, for_update: bool = False
) -> tuple[Task, str]:
    """The task and the caller's standing to it (`member`, `staff`, `enterprise`); 404 otherwise."""
    task = await TaskRepository(session).get(task_id, for_update=for_update)
    if task is None:
        raise TaskNotFound()
    if is_coordinator(principal) and principal.covers(task.community_code):
        return task, "staff"
    own = await member_of(session, principal)
    if own is not None and own.id == task.member_id:
        return task, "member"
    enterprise = await enterprise_of(session, principal)
    if enterprise is not None:
        order = await session.get(WorkOrder, task.work_order_id)
        if order is not None and order.enterprise_id == enterprise.id:
            return task, "enterprise"
    raise TaskNotFound()


async def pick_up(session: AsyncSession, *, principal: Principal, task_id: uuid.UUID) -> TaskRead:
    """The material was handed over (recorded by a coordinator or a micro-factory manager)."""
    require_coordinator(principal)
    task, _ = await visible_task(session, principal, task_id, for_update=True)
    if task.status is not TaskStatus.CLAIMED:
        raise TaskState("the material was picked up already", status=task.status)
    task.status = TaskStatus.IN_PROGRESS
    task.picked_up_at = clock.now()
    await session.flush()
    await events_of(session).record(TaskPickedUp(**about(task)), subject_id=task.id)
    return read(task)


async def deliver(
    session: AsyncSession, *, principal: Principal, task_id: uuid.UUID, delivery_in: DeliveryIn
) -> DeliveryRead:
    """Pieces handed in, under the task's lock: never more than the member holds. Pieces past
    what was first handed out are re-work of rejected ones."""
    task, standing = await visible_task(session, principal, task_id, for_update=True)
    if standing == "enterprise":
        raise Forbidden("the member or the cooperative records a delivery")
    if task.status is TaskStatus.COMPLETED:
        raise TaskState("every piece of this task was accepted", status=task.status)
    at_home = task.quantity - task.delivered + task.rejected
    if delivery_in.quantity > at_home:
        raise TooManyDelivered(f"{delivery_in.quantity} delivered, {at_home} held", at_home=at_home)
    repository = TaskRepository(session)
    first_time_left = task.quantity - (task.delivered - await repository.reworked(task.id))
    rework = max(0, delivery_in.quantity - first_time_left)
    delivery = Delivery(
        task_id=task.id, quantity=delivery_in.quantity, rework=rework, received_by=principal.subject
    )
    session.add(delivery)
    task.delivered += delivery_in.quantity
    if task.status is TaskStatus.CLAIMED:
        # Delivered without a recorded pick-up: the material evidently reached them.
        task.status = TaskStatus.IN_PROGRESS
    await session.flush()
    await events_of(session).record(
        TaskDelivered(
            **about(task), delivery_id=delivery.id, quantity=delivery.quantity, rework=rework
        ),
        subject_id=task.id,
    )
    return DeliveryRead(
        id=delivery.id,
        task_id=task.id,
        quantity=delivery.quantity,
        rework=rework,
        inspected=False,
        created_at=delivery.created_at,
    )


async def get(session: AsyncSession, *, principal: Principal, task_id: uuid.UUID) -> TaskRead:
    task, _ = await visible_task(session, principal, task_id)
    return read(task)


async def deliveries(
    session: AsyncSession, *, principal: Principal, task_id: uuid.UUID
) -> list[DeliveryRead]:
    task, _ = await visible_task(session, principal, task_id)
    return [
        DeliveryRead(
            id=d.id,
            task_id=d.task_id,
            quantity=d.quantity,
            rework=d.rework,
            inspected=inspected,
            created_at=d.created_at,
        )
        for d, inspected in await TaskRepository(session).deliveries(task.id)
    ]


async def list_tasks(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    work_order_id: uuid.UUID | None,
    status: TaskStatus | None,
    cursor: str | None,
    limit: int,
) -> Page[TaskRead]:
    """A member's own tasks; an enterprise's orders' tasks; staff those of their scope."""
    member_id = None
    enterprise_orders = None
    enterprise = await enterprise_of(session, principal)
    if enterprise is not None:
        scope = enterprise.community_code
        enterprise_orders = select(WorkOrder.id).where(WorkOrder.enterprise_id == enterprise.id)
    elif is_coordinator(principal):
        scope = principal.scope
    elif principal.has_role(Role.RESIDENT):
        own = await member_of(session, principal)
        if own is None:
            return Page[TaskRead](items=[])
        scope, member_id = own.community_code, own.id
    else:
        raise Forbidden("only staff, enterprises and pool members read tasks")
    prefix = division or scope
    if not prefix.startswith(scope):
        raise Forbidden(f"division {prefix} lies outside your reach {scope}")
    rows = await TaskRepository(session).find(
        division_prefix=prefix,
        member_id=member_id,
        work_order_id=work_order_id,
        enterprise_orders=enterprise_orders,
        status=status,
        after=TASK_ORDER.decode(cursor),
        limit=limit,
    )
    return TASK_ORDER.page(rows, limit=limit, read=read)


def read(task: Task) -> TaskRead:
    return TaskRead(
        id=task.id,
        work_order_id=task.work_order_id,
        member_id=task.member_id,
        community_code=task.community_code,
        origin=task.origin,
        quantity=task.quantity,
        delivered=task.delivered,
        accepted=task.accepted,
        rejected=task.rejected,
        at_home=task.quantity - task.delivered + task.rejected,
        awaiting_inspection=task.delivered - task.accepted - task.rejected,
        status=task.status,
        picked_up_at=task.picked_up_at,
        created_at=task.created_at,
    )
