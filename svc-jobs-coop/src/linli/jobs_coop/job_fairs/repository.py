"""Queries on job fairs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.jobs_coop.models import FairEnterprise, FairMatch, FairRegistration, JobFair


class FairRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, fair_id: uuid.UUID) -> JobFair | None:
        return await self.session.get(JobFair, fair_id)

    async def enterprises(self, fair_id: uuid.UUID) -> Sequence[FairEnterprise]:
        return (
            await self.session.scalars(
                select(FairEnterprise)
                .where(FairEnterprise.fair_id == fair_id)
                .order_by(FairEnterprise.enterprise_id)
            )
        ).all()

    async def registrations(self, fair_id: uuid.UUID) -> int:
        return int(
            await self.session.scalar(
                select(func.count()).where(FairRegistration.fair_id == fair_id)
            )
            or 0
        )

    async def matches(self, fair_id: uuid.UUID) -> Sequence[FairMatch]:
        return (
            await self.session.scalars(
                select(FairMatch).where(FairMatch.fair_id == fair_id).order_by(FairMatch.created_at)
            )
        ).all()

    async def match(self, match_id: uuid.UUID, *, for_update: bool = False) -> FairMatch | None:
        return await self.session.get(FairMatch, match_id, with_for_update=for_update)
