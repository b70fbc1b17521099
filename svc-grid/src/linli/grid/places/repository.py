"""Queries of the places read model: live places by id, and upserts that never go back in time."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.grid.models import PlaceBuilding, PlaceGrid


class PlaceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def grid(self, grid_id: uuid.UUID) -> PlaceGrid | None:
        """A grid that exists (not deleted)."""
        grid: PlaceGrid | None = await self.session.scalar(
            select(PlaceGrid).where(PlaceGrid.id == grid_id, PlaceGrid.deleted_at.is_(None))
        )
        return grid

    async def building(self, building_id: uuid.UUID) -> PlaceBuilding | None:
        """A building that exists (not deleted)."""
        building: PlaceBuilding | None = await self.session.scalar(
            select(PlaceBuilding).where(
                PlaceBuilding.id == building_id, PlaceBuilding.deleted_at.is_(None)
            )
        )
        return building

    async def resolve_grid_ids(self, principal: Principal) -> frozenset[uuid.UUID]:
        """The grids the caller's token names, by id or by code, as ids."""
        ids, codes = principal.grid_claims()
        if not codes:
            return ids
        found = await self.session.scalars(
            select(PlaceGrid.id).where(
                tuple_(PlaceGrid.community_code, PlaceGrid.number).in_(codes),
                PlaceGrid.deleted_at.is_(None),
            )
        )
        return ids | frozenset(found)

    async def upsert(
        self,
        model: type[PlaceGrid] | type[PlaceBuilding],
        *,
        place_id: uuid.UUID,
        at: datetime,
        deleted: bool,
        values: dict[str, Any],
    ) -> None:
        """The place as an event at `at` describes it, unless a later event was applied already.

        One statement: concurrent deliveries of two events of one place serialize on its row,
        and the `WHERE` keeps whichever is later. A tombstone (`deleted_at`) stays: a late
        update of a deleted place changes the row's fields but never brings it back.
        """
        row = {"id": place_id, "last_event_at": at, **values}
        if deleted:
            row["deleted_at"] = at
        statement = insert(model).values(**row)
        table = model.__table__
        update: dict[str, Any] = {
            name: statement.excluded[name] for name in (*values, "last_event_at")
        }
        if deleted:
            update["deleted_at"] = statement.excluded.deleted_at
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.id],
            set_=update,
            where=table.c.last_event_at < statement.excluded.last_event_at,
        )
        await self.session.execute(statement)
