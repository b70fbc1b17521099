"""Queries of the incident copies and their timelines."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.service_hall.models.reports import IncidentCopy, IncidentCopyStep


class IncidentCopyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, incident_id: uuid.UUID) -> IncidentCopy | None:
        copy: IncidentCopy | None = await self.session.scalar(
            select(IncidentCopy)
            .where(IncidentCopy.incident_id == incident_id)
            .execution_options(populate_existing=True)
        )
        return copy

    async def steps(self, incident_id: uuid.UUID) -> Sequence[IncidentCopyStep]:
        """The timeline in the order things happened (event time orders two steps of one
        transaction, rated then verified; arrival order breaks ties)."""
        return (
            await self.session.scalars(
                select(IncidentCopyStep)
                .where(IncidentCopyStep.incident_id == incident_id)
                .order_by(IncidentCopyStep.event_time, IncidentCopyStep.id)
            )
        ).all()
