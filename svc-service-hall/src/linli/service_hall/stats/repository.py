"""Aggregates over the hall's rows by division prefix, and one resident's applications."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Label, Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import child_groups, plan_per_call, within_division
from linli.service_hall.models import Application, ApplicationStatus, CatalogueItemVersion
from linli.service_hall.models.reports import Report, ReportStatus

OPEN = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.IN_PROGRESS,
    ApplicationStatus.RETURNED,
)
FIGURES = (
    "applications_open",
    "applications_completed",
    "applications_rejected",
    "sla_breaches",
    "sla_breaches_open",
    "reports_open",
    "reports_closed",
)


def _application_figures() -> list[Label[Any]]:
    is_open = Application.status.in_(OPEN)
    breached = Application.overdue_at.is_not(None)
    return [
        func.count().filter(is_open).label("applications_open"),
        func.count()
        .filter(Application.status == ApplicationStatus.COMPLETED)
        .label("applications_completed"),
        func.count()
        .filter(Application.status == ApplicationStatus.REJECTED)
        .label("applications_rejected"),
        func.count().filter(breached).label("sla_breaches"),
        func.count().filter(breached, is_open).label("sla_breaches_open"),
    ]


def _report_figures() -> list[Label[Any]]:
    return [
        func.count().filter(Report.status != ReportStatus.CLOSED).label("reports_open"),
        func.count().filter(Report.status == ReportStatus.CLOSED).label("reports_closed"),
    ]


class StatsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def counts(self, prefix: str) -> dict[str, int]:
        # One prepared statement serves every level: plan each for its own prefix.
        await plan_per_call(self.session)
        applications = (
            await self.session.execute(
                select(*_application_figures()).where(
                    within_division(Application.community_code, prefix)
                )
            )
        ).one()
        reports = (
            await self.session.execute(
                select(*_report_figures()).where(within_division(Report.community_code, prefix))
            )
        ).one()
        return {key: int(n) for key, n in {**applications._mapping, **reports._mapping}.items()}

    async def counts_of_children(self, prefix: str) -> dict[str, dict[str, int]]:
        """`counts` of every unit one level below `prefix` that has applications or reports, by
        its code: one grouped query per table, not one per unit."""
        await plan_per_call(self.session)
        found: defaultdict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
        for column, figures in (
            (Application.community_code, _application_figures()),
            (Report.community_code, _report_figures()),
        ):
            groups = child_groups(column, prefix)
            if groups is None:
                return {}
            rows = await self.session.execute(
                select(groups.key.label("code"), *figures).where(groups.where).group_by(groups.key)
            )
            for row in rows.mappings():
                found[row["code"]].update({key: int(n) for key, n in row.items() if key != "code"})
        return dict(found)

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
