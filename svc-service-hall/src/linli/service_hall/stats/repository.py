"""Aggregates over the hall's rows by division prefix, and one resident's applications."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import plan_per_call, within_division
from linli.service_hall.models import Application, ApplicationStatus, CatalogueItemVersion
from linli.service_hall.models.reports import Report, ReportStatus

OPEN = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.IN_PROGRESS,
    ApplicationStatus.RETURNED,
)


class StatsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def counts(self, prefix: str) -> dict[str, int]:
        # One prepared statement serves every level: plan each for its own prefix.
        await plan_per_call(self.session)
        is_open = Application.status.in_(OPEN)
        breached = Application.overdue_at.is_not(None)
        applications = (
            await self.session.execute(
                select(
                    func.count().filter(is_open),
                    func.count().filter(Application.status == ApplicationStatus.COMPLETED),
                    func.count().filter(Application.status == ApplicationStatus.REJECTED),
                    func.count().filter(breached),
                    func.count().filter(breached, is_open),
                ).where(within_division(Application.community_code, prefix))
            )
        ).one()
        reports = (
            await self.session.execute(
                select(
                    func.count().filter(Report.status != ReportStatus.CLOSED),
                    func.count().filter(Report.status == ReportStatus.CLOSED),
                ).where(within_division(Report.community_code, prefix))
            )
        ).one()
        return {
            "applications_open": int(applications[0]),
            "applications_completed": int(applications[1]),
            "applications_rejected": int(applications[2]),
            "sla_breaches": int(applications[3]),
            "sla_breaches_open": int(applications[4]),
            "reports_open": int(reports[0]),
            "reports_closed": int(reports[1]),
        }

    async def open_of_resident(
        self, resident_id: uuid.UUID, prefix: str
    ) -> Sequence[Row[Application, str]]:
        """The resident's open applications in the division, newest first, with the item's name
        as it was filed."""
        return (
            await self.session.execute(
                select(Application, CatalogueItemVersion.name)
                .join(
                    CatalogueItemVersion,
                    (CatalogueItemVersion.item_id == Application.item_id)
                    & (CatalogueItemVersion.version == Application.item_version),
                )
                .where(
                    Application.resident_id == resident_id,
                    within_division(Application.community_code, prefix),
                    Application.status.in_(OPEN),
                )
                .order_by(Application.filed_at.desc(), Application.id)
                .limit(100)
            )
        ).all()

    async def completed_of_resident(self, resident_id: uuid.UUID, prefix: str) -> int:
        n = await self.session.scalar(
            select(func.count()).where(
                Application.resident_id == resident_id,
                within_division(Application.community_code, prefix),
                Application.status == ApplicationStatus.COMPLETED,
            )
        )
        return int(n or 0)
