"""The hall's part of the statistics (一表通) and of a resident's facts: for staff of a level."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.service_hall import access, calendar
from linli.service_hall.applications import sla
from linli.service_hall.residents.service import known_resident
from linli.service_hall.stats.errors import ResidentNotFound
from linli.service_hall.stats.repository import StatsRepository
from linli.service_hall.stats.schemas import (
    HallFigures,
    HallStats,
    ResidentApplication,
    ResidentHallFacts,
)

READ_ROLES = (*access.STAFF_ROLES, Role.AUDITOR)


async def stats(
    session: AsyncSession, *, principal: Principal, division: str | None, children: bool = False
) -> HallStats:
    principal.require_role(*READ_ROLES)
    prefix = division or principal.scope
    principal.require_scope(prefix)
    repository = StatsRepository(session)
    counts = await repository.counts(prefix)
    below = None
    if children:
        by_code = await repository.counts_of_children(prefix)
        below = [HallFigures(division=code, **by_code[code]) for code in sorted(by_code)]
    return HallStats(division=prefix, **counts, children=below)


async def resident_facts(
    session: AsyncSession, *, principal: Principal, resident_id: uuid.UUID
) -> ResidentHallFacts:
    """A resident of the caller's scope; 404 for one outside it, as if there were none."""
    principal.require_role(*access.STAFF_ROLES)
    resident = await known_resident(session, resident_id)
    if resident is None or not principal.covers(resident.community_code):
        raise ResidentNotFound()
    repository = StatsRepository(session)
    today = calendar.today()
    rows = await repository.open_of_resident(resident_id, principal.scope)
    return ResidentHallFacts(
        resident_id=resident_id,
        community_code=resident.community_code,
        applications_open=[
            ResidentApplication(
                id=application.id,
                item_name=name,
                status=application.status,
                filed_at=application.filed_at,
                due_on=application.due_on,
                overdue=sla.clock(application, today=today).overdue,
            )
            for application, name in rows
        ],
        applications_completed=await repository.completed_of_resident(resident_id, principal.scope),
    )
