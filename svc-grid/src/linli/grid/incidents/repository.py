"""Queries of incidents, their categories and timelines."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from linli.common.divisions import Level
from linli.common.pagination import Keyset
from linli.grid.incidents.machine import OPEN, WAITING
from linli.grid.models import Incident, IncidentCategory, IncidentStatus, IncidentStep


class IncidentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def category(self, code: str) -> IncidentCategory | None:
        return await self.session.get(IncidentCategory, code)

    async def categories(self) -> Sequence[IncidentCategory]:
        return (
            await self.session.scalars(select(IncidentCategory).order_by(IncidentCategory.code))
        ).all()

    async def get(self, incident_id: uuid.UUID, *, for_update: bool = False) -> Incident | None:
        """The incident; `for_update` locks its row, so that steps on one incident (a manual
        escalation and its SLA timer, two dispatchers) happen one after the other."""
        statement = select(Incident).where(Incident.id == incident_id)
        if for_update:
            statement = statement.with_for_update()
        # populate_existing: a locked read must see the row as it is now, not as cached.
        incident: Incident | None = await self.session.scalar(
            statement.execution_options(populate_existing=True)
        )
        return incident

    async def follows(self, incident_id: uuid.UUID, subject: str) -> bool:
        """Whether `subject` reported an incident merged into this one (and so follows it)."""
        return bool(await self.session.scalar(select(followed_by(subject, incident_id))))

    async def steps(self, incident_id: uuid.UUID) -> Sequence[IncidentStep]:
        return (
            await self.session.scalars(
                select(IncidentStep)
                .where(IncidentStep.incident_id == incident_id)
                .order_by(IncidentStep.id)
            )
        ).all()


def _count(condition: ColumnElement[bool]) -> Any:
    return func.count().filter(condition)


async def division_counts(
    session: AsyncSession, *, within: ColumnElement[bool], now: datetime
) -> Sequence[Row[Any]]:
    """Per community of the division: open, overdue and escalated incidents, and where the open
    ones are handled."""
    is_open = Incident.status.in_(OPEN)
    overdue = is_open & (
        (Incident.status.in_(WAITING) & (Incident.dispatch_due_at < now))
        | (Incident.resolve_due_at < now)
    )
    statement = (
        select(
            Incident.community_code,
            _count(is_open).label("open"),
            _count(overdue).label("overdue"),
            _count(is_open & (Incident.escalations > 0)).label("escalated"),
            *(_count(is_open & (Incident.level == level)).label(level.value) for level in Level),
        )
        .where(within)
        .group_by(Incident.community_code)
        .order_by(Incident.community_code)
    )
    return (await session.execute(statement)).all()


def followed_by(subject: str, incident_id: Any = None) -> ColumnElement[bool]:
    """The incident (by default: the row at hand) is the survivor of one `subject` reported."""
    merged = aliased(Incident)
    return exists().where(
        merged.merged_into_id == (Incident.id if incident_id is None else incident_id),
        merged.reporter_subject == subject,
    )


# Newest first; the id breaks ties between incidents reported in the same microsecond.
LISTING = Keyset(Incident.created_at, Incident.id, descending=True)


def listing(
    *,
    within: ColumnElement[bool],
    reach: ColumnElement[bool] | None,
    status: IncidentStatus | None,
    level: Level | None,
    category: str | None,
) -> Select[Incident]:
    """The incidents of a list before its page is cut: the division, the caller's reach (a
    resident's own, a grid worker's grids) and the filters."""
    statement = select(Incident).where(within)
    if reach is not None:
        statement = statement.where(reach)
    if status is not None:
        statement = statement.where(Incident.status == status)
    if level is not None:
        statement = statement.where(Incident.level == level)
    if category is not None:
        statement = statement.where(Incident.category_code == category)
    return statement


# Possible duplicates: the same category, reported within this long before, at the same building
# or within this distance (great-circle, no PostGIS needed for a 50 m test).
DUPLICATE_WINDOW = timedelta(hours=72)
DUPLICATE_RADIUS_M = 50.0
_EARTH_RADIUS_M = 6_371_000.0


def _distance_m(latitude: float, longitude: float) -> ColumnElement[float]:
    """Haversine distance from the incident's coordinates to the given point, in metres."""
    lat1, lat2 = func.radians(Incident.latitude), func.radians(latitude)
    dlat = (lat2 - lat1) / 2
    dlon = (func.radians(longitude) - func.radians(Incident.longitude)) / 2
    a = func.power(func.sin(dlat), 2) + func.cos(lat1) * func.cos(lat2) * func.power(
        func.sin(dlon), 2
    )
    return 2 * _EARTH_RADIUS_M * func.asin(func.sqrt(func.least(a, 1.0)))


async def possible_duplicates(
    session: AsyncSession, incident: Incident, *, within: ColumnElement[bool], limit: int = 20
) -> Sequence[Incident]:
    """Open incidents of the same category at the same building or within 50 m, reported in the
    72 hours before this one (or since), newest first."""
    near: list[ColumnElement[bool]] = []
    if incident.building_id is not None:
        near.append(Incident.building_id == incident.building_id)
    if incident.latitude is not None and incident.longitude is not None:
        # A box first (about 50 m of latitude is 0.00045°), so the index-free distance is
        # computed for a handful of rows only.
        box = 0.001
        near.append(
            Incident.latitude.between(incident.latitude - box, incident.latitude + box)
            & Incident.longitude.between(incident.longitude - box * 2, incident.longitude + box * 2)
            & (_distance_m(incident.latitude, incident.longitude) <= DUPLICATE_RADIUS_M)
        )
    if not near:
        return []
    statement = (
        select(Incident)
        .where(
            within,
            Incident.id != incident.id,
            Incident.category_code == incident.category_code,
            Incident.status.in_(OPEN | {IncidentStatus.RESOLVED}),
            Incident.created_at >= incident.created_at - DUPLICATE_WINDOW,
            or_(*near),
        )
        .order_by(Incident.created_at.desc(), Incident.id)
        .limit(limit)
    )
    return (await session.scalars(statement)).all()
