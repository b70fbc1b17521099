"""Queries of the export: one streamed scan of a division's live residents with their address."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Collection

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.pagination import within_division
from linli.residents.models import Building, Court, Dwelling, Household, Resident, Unit

# Rows fetched per round trip of the server-side cursor: memory stays flat whatever the division.
YIELD_PER = 1000


class ExportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _where(
        self, division_prefix: str, grids: Collection[uuid.UUID] | None
    ) -> list[ColumnElement[bool]]:
        where = [
            within_division(Resident.community_code, division_prefix),
            Resident.deleted_at.is_(None),
        ]
        if grids is not None:
            where.append(Resident.grid_id.in_(grids))
        return where

    async def count(self, division_prefix: str, grids: Collection[uuid.UUID] | None) -> int:
        return int(
            await self.session.scalar(
                select(func.count())
                .select_from(Resident)
                .where(*self._where(division_prefix, grids))
            )
            or 0
        )

    async def stream(
        self, division_prefix: str, grids: Collection[uuid.UUID] | None
    ) -> AsyncIterator[tuple[Resident, str | None, str, str, str]]:
        """(resident, court, building, unit, room) in (community, id) order, through a
        server-side cursor."""
        statement = (
            select(
                Resident,
                Court.name.label("court"),
                Building.name.label("building"),
                Unit.name.label("unit"),
                Dwelling.name.label("room"),
            )
            .join(Household, Household.id == Resident.household_id)
            .join(Dwelling, Dwelling.id == Household.dwelling_id)
            .join(Unit, Unit.id == Dwelling.unit_id)
            .join(Building, Building.id == Dwelling.building_id)
            .outerjoin(Court, Court.id == Building.court_id)
            .where(*self._where(division_prefix, grids))
            .order_by(Resident.community_code, Resident.id)
            .execution_options(yield_per=YIELD_PER)
        )

        result = await self.session.stream(statement)
        async for resident, court, building, unit, room in result:
            yield resident, court, building, unit, room
