"""Applying svc-residents' place events to the read model."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from linli.grid.models import PlaceBuilding, PlaceGrid
from linli.grid.places.repository import PlaceRepository
from linli.grid.places.schemas import (
    BuildingCreated,
    BuildingDeleted,
    BuildingUpdated,
    GridCreated,
    GridDeleted,
    GridUpdated,
)


async def apply_grid(
    session: AsyncSession, *, event: GridCreated | GridUpdated | GridDeleted, at: datetime
) -> None:
    await PlaceRepository(session).upsert(
        PlaceGrid,
        place_id=event.grid_id,
        at=at,
        deleted=isinstance(event, GridDeleted),
        values={"community_code": event.community_code, "number": event.number, "name": event.name},
    )


async def apply_building(
    session: AsyncSession,
    *,
    event: BuildingCreated | BuildingUpdated | BuildingDeleted,
    at: datetime,
) -> None:
    await PlaceRepository(session).upsert(
        PlaceBuilding,
        place_id=event.building_id,
        at=at,
        deleted=isinstance(event, BuildingDeleted),
        values={
            "community_code": event.community_code,
            "grid_id": event.grid_id,
            "court_id": event.court_id,
            "name": event.name,
        },
    )
