"""Open incidents of one resident (by their login subjects, as the grid knows reporters), for the
staff whose scope holds them: the gateway's `/api/facts/residents/{id}` asks this."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.pagination import within_division
from linli.grid import access
from linli.grid.incidents.machine import OPEN, WAITING
from linli.grid.models import Incident
from linli.grid.stats.schemas import ReportedIncident, ReporterIncidents

_MAX = 100


async def reported_by(
    session: AsyncSession, *, principal: Principal, subjects: Sequence[str]
) -> ReporterIncidents:
    principal.require_role(*access.READ_ROLES)
    rows = (
        await session.scalars(
            select(Incident)
            .where(
                Incident.reporter_subject.in_(list(subjects)),
                Incident.status.in_(OPEN),
                within_division(Incident.community_code, principal.scope),
            )
            .order_by(Incident.created_at.desc(), Incident.id)
            .limit(_MAX)
        )
    ).all()
    now = datetime.now(UTC)

    def overdue(incident: Incident) -> bool:
        dispatch = incident.dispatch_due_at
        resolve = incident.resolve_due_at
        return bool(
            (incident.status in WAITING and dispatch is not None and dispatch < now)
            or (resolve is not None and resolve < now)
        )

    incidents = [
        ReportedIncident(
            id=i.id,
            community_code=i.community_code,
            category_code=i.category_code,
            title=i.title,
            status=i.status,
            level=i.level,
            reported_at=i.created_at,
            overdue=overdue(i),
        )
        for i in rows
    ]
    return ReporterIncidents(incidents=incidents, open=len(incidents))
