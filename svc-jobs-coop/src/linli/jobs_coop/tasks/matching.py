"""The matching rule: who is offered a batch of a work order, in which order.

Eligible, all of:
1. an active member of the order's community;
2. holding the order's skill at its `min_level` or above (declared or certified);
3. available at the moment the work starts: one of their weekly windows (Asia/Shanghai) holds
   its weekday and minute;
4. working where the order is done (a home order goes to `home` or `either`, an on-site order
   to `on_site` or `either`);
5. not holding an unfinished batch of this order already (one batch per person at a time);
6. for on-site work at a micro-factory: the factory is open then (its weekdays and hours).

Fair share, among the eligible: the least value of work (pieces × piece rate, fen) handed to
them in the last 30 days first, then the fewest batches in that time, then whoever had work
longest ago (never first), then whoever joined the pool first (the member id last, so the
order is total and repeatable). Every
batch handed out raises its holder's share, so successive matches go round the eligible
people before anyone gets a second batch of equal value.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.jobs_coop.clock import weekday_and_minute
from linli.jobs_coop.models import (
    AvailabilityWindow,
    Member,
    MemberSkill,
    MemberStatus,
    MicroFactory,
    Task,
    TaskStatus,
    WorkMode,
    WorkOrder,
)

RECENT = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Ranked:
    member_id: uuid.UUID
    name: str
    skill_level: int
    recent_fen: int
    recent_tasks: int
    last_task_at: datetime | None


def factory_open(factory: MicroFactory, weekday: int, minute: int) -> bool:
    """Whether the micro-factory is open at that weekday and minute (Asia/Shanghai)."""
    opens = factory.opens_at.hour * 60 + factory.opens_at.minute
    closes = factory.closes_at.hour * 60 + factory.closes_at.minute
    return str(weekday) in factory.open_weekdays and opens <= minute < closes


def _mode_fits(order_mode: WorkMode) -> ColumnElement[bool]:
    if order_mode is WorkMode.EITHER:
        return Member.work_mode.is_not(None)
    return or_(Member.work_mode == order_mode, Member.work_mode == WorkMode.EITHER)


async def candidates(
    session: AsyncSession, order: WorkOrder, *, at: datetime, limit: int = 20
) -> list[Ranked]:
    """The eligible members for a batch of `order` starting at `at`, best share first."""
    weekday, minute = weekday_and_minute(at)
    if order.work_mode is WorkMode.ON_SITE and order.factory_id is not None:
        factory = await session.get(MicroFactory, order.factory_id)
        if factory is not None and not factory_open(factory, weekday, minute):
            return []
    since = at - RECENT
    recent = (
        select(
            Task.member_id.label("member_id"),
            func.sum(Task.quantity * WorkOrder.piece_rate_fen).label("fen"),
            func.count().label("tasks"),
            func.max(Task.created_at).label("last_at"),
        )
        .join(WorkOrder, WorkOrder.id == Task.work_order_id)
        .where(Task.created_at >= since)
        .group_by(Task.member_id)
        .subquery()
    )
    available = (
        select(AvailabilityWindow.id)
        .where(
            AvailabilityWindow.member_id == Member.id,
            AvailabilityWindow.weekday == weekday,
            AvailabilityWindow.start_minute <= minute,
            AvailabilityWindow.end_minute > minute,
        )
        .exists()
    )
    holding = (
        select(Task.id)
        .where(
            Task.member_id == Member.id,
            Task.work_order_id == order.id,
            Task.status != TaskStatus.COMPLETED,
        )
        .exists()
    )
    fen = func.coalesce(recent.c.fen, 0)
    tasks = func.coalesce(recent.c.tasks, 0)
    statement = (
        select(Member.id, Member.name, MemberSkill.level, fen, tasks, recent.c.last_at)
        .join(
            MemberSkill,
            and_(
                MemberSkill.member_id == Member.id,
                MemberSkill.skill == order.required_skill,
                MemberSkill.level >= order.min_level,
            ),
        )
        .outerjoin(recent, recent.c.member_id == Member.id)
        .where(
            Member.community_code == order.community_code,
            Member.status == MemberStatus.ACTIVE,
            _mode_fits(order.work_mode),
            available,
            ~holding,
        )
        .order_by(fen, tasks, recent.c.last_at.asc().nulls_first(), Member.created_at, Member.id)
        .limit(limit)
    )
    rows = (await session.execute(statement)).all()
    return [
        Ranked(
            member_id=row[0],
            name=row[1],
            skill_level=int(row[2]),
            recent_fen=int(row[3]),
            recent_tasks=int(row[4]),
            last_task_at=row[5],
        )
        for row in rows
    ]
