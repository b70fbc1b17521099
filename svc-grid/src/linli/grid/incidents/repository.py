"""Queries of incidents, their categories and timelines."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

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
