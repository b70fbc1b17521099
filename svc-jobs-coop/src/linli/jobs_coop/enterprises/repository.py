"""Queries on enterprises, their agreements and accounts, and micro-factories."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import Keyset, within_division
from linli.jobs_coop.models import Agreement, Enterprise, FactoryManager, MicroFactory

ENTERPRISE_ORDER = Keyset(Enterprise.community_code, Enterprise.id)
FACTORY_ORDER = Keyset(MicroFactory.community_code, MicroFactory.id)


class EnterpriseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, enterprise_id: uuid.UUID) -> Enterprise | None:
        return await self.session.get(Enterprise, enterprise_id)

    async def find(
        self, *, division_prefix: str, after: tuple[Any, ...] | None, limit: int
    ) -> Sequence[Enterprise]:
        statement = select(Enterprise).where(
            within_division(Enterprise.community_code, division_prefix)
        )
        statement = ENTERPRISE_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()

    async def in_force(self, enterprise_ids: Sequence[uuid.UUID], on: date) -> set[uuid.UUID]:
        """The enterprises with a cooperation agreement covering `on`."""
        rows = await self.session.scalars(
            select(Agreement.enterprise_id).where(
                Agreement.enterprise_id.in_(enterprise_ids),
                Agreement.starts_on <= on,
                Agreement.ends_on >= on,
            )
        )
        return set(rows)

    async def agreements(self, enterprise_id: uuid.UUID) -> Sequence[Agreement]:
        return (
            await self.session.scalars(
                select(Agreement)
                .where(Agreement.enterprise_id == enterprise_id)
                .order_by(Agreement.starts_on, Agreement.id)
            )
        ).all()


class FactoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, factory_id: uuid.UUID) -> MicroFactory | None:
        return await self.session.get(MicroFactory, factory_id)

    async def find(
        self, *, division_prefix: str, after: tuple[Any, ...] | None, limit: int
    ) -> Sequence[MicroFactory]:
        statement = select(MicroFactory).where(
            within_division(MicroFactory.community_code, division_prefix)
        )
        statement = FACTORY_ORDER.paginate(statement, after=after, limit=limit)
        return (await self.session.scalars(statement)).all()

    async def managers(
        self, factory_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[FactoryManager]]:
        found: dict[uuid.UUID, list[FactoryManager]] = {i: [] for i in factory_ids}
        rows = await self.session.scalars(
            select(FactoryManager)
            .where(FactoryManager.factory_id.in_(factory_ids))
            .order_by(FactoryManager.subject)
        )
        for row in rows:
            found[row.factory_id].append(row)
        return found
