"""Rules of service points: staff of a street (or above) open halls for communities of their
division; a resident sees the halls serving their community."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.errors import NotFound
from linli.common.outbox import events_of
from linli.service_hall import access
from linli.service_hall.models import ServicePoint
from linli.service_hall.service_points.events import ServicePointOpened
from linli.service_hall.service_points.schemas import ServicePointCreate


class ServicePointNotFound(NotFound):
    """No such service point, or one outside the caller's reach."""

    problem = "service-point-not-found"
    title_en = "Service point not found"
    title_zh = "服务中心不存在"


async def create(
    session: AsyncSession, *, point_in: ServicePointCreate, principal: Principal
) -> ServicePoint:
    access.require_owner(principal, point_in.division_code)
    point = ServicePoint(**point_in.model_dump(mode="json"))
    session.add(point)
    await session.flush()
    await events_of(session).record(
        ServicePointOpened(
            community_code=point.division_code,
            service_point_id=point.id,
            communities=list(point.communities),
        ),
        subject_id=point.id,
    )
    return point


async def list_points(
    session: AsyncSession, *, principal: Principal, division: str | None
) -> Sequence[ServicePoint]:
    """Halls serving the resident's community; for staff, halls run within `division`."""
    statement = select(ServicePoint).order_by(ServicePoint.name, ServicePoint.id)
    if access.is_staff(principal):
        code = division or principal.scope
        principal.require_scope(code)
        served = (
            func.unnest(ServicePoint.communities)
            .table_valued("value")
            .render_derived(name="served")
        )
        statement = statement.where(
            exists(select(literal(1)).select_from(served).where(served.c.value.like(code + "%")))
        )
    else:
        resident = await access.calling_resident(session, principal)
        statement = statement.where(ServicePoint.communities.contains([resident.community_code]))
    return (await session.scalars(statement.limit(100))).all()


async def get(session: AsyncSession, *, principal: Principal, point_id: uuid.UUID) -> ServicePoint:
    point = await session.get(ServicePoint, point_id)
    if point is None:
        raise ServicePointNotFound()
    if access.is_staff(principal):
        if not any(principal.covers(c) for c in point.communities):
            raise ServicePointNotFound()
        return point
    resident = await access.calling_resident(session, principal)
    if resident.community_code not in point.communities:
        raise ServicePointNotFound()
    return point
