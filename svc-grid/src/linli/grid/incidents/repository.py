"""Queries of incidents, their categories and timelines."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.grid.models import Incident, IncidentCategory, IncidentStep


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
