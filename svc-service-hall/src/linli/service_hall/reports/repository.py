"""Queries of reports."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset
from linli.service_hall.models.reports import Report


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, report_id: uuid.UUID, *, for_update: bool = False) -> Report | None:
        """The report; `for_update` locks its row, so that a rating and the grid's news of the
        same report happen one after the other."""
        statement = select(Report).where(Report.id == report_id)
        if for_update:
            statement = statement.with_for_update()
        report: Report | None = await self.session.scalar(
            statement.execution_options(populate_existing=True)
        )
        return report

    async def of_incident(self, incident_id: uuid.UUID) -> Report | None:
        report: Report | None = await self.session.scalar(
            select(Report)
            .where(Report.incident_id == incident_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return report


# Newest first; the id breaks ties.
LISTING = Keyset(Report.created_at, Report.id, descending=True)
