"""Queries of filings, applications, their steps and files; the only place that knows the tables."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset
from linli.service_hall.models import Application, ApplicationStep, Filing, MaterialFile

# Lists read newest first.
LISTING = Keyset(Application.created_at, Application.id, descending=True)


class ApplicationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, application_id: uuid.UUID, *, for_update: bool = False
    ) -> Application | None:
        statement = select(Application).where(Application.id == application_id)
        if for_update:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        application: Application | None = await self.session.scalar(statement)
        return application

    async def filing(self, filing_id: uuid.UUID, *, for_update: bool = False) -> Filing | None:
        statement = select(Filing).where(Filing.id == filing_id)
        if for_update:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        filing: Filing | None = await self.session.scalar(statement)
        return filing

    async def of_filing(self, filing_id: uuid.UUID) -> Sequence[Application]:
        statement = (
            select(Application)
            .where(Application.filing_id == filing_id)
            .order_by(Application.position, Application.id)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).all()

    async def steps(self, application_id: uuid.UUID) -> Sequence[ApplicationStep]:
        statement = (
            select(ApplicationStep)
            .where(ApplicationStep.application_id == application_id)
            .order_by(ApplicationStep.at, ApplicationStep.id)
        )
        return (await self.session.scalars(statement)).all()

    async def files(self, filing_id: uuid.UUID) -> Sequence[MaterialFile]:
        """Every file of the filing, newest first."""
        statement = (
            select(MaterialFile)
            .where(MaterialFile.filing_id == filing_id)
            .order_by(MaterialFile.uploaded_at.desc(), MaterialFile.id)
        )
        return (await self.session.scalars(statement)).all()

    async def file(self, file_id: uuid.UUID) -> MaterialFile | None:
        return await self.session.get(MaterialFile, file_id)

    async def listing(
        self, *, where: Sequence[ColumnElement[bool]], after: tuple[Any, ...] | None, limit: int
    ) -> Sequence[Application]:
        statement = LISTING.paginate(select(Application).where(*where), after=after, limit=limit)
        return (await self.session.scalars(statement)).all()
