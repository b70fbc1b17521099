"""What the places read model does with svc-residents' grid and building events."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.consumers import ConsumerSpec, handler
from linli.common.events import CloudEvent
from linli.grid.places import service
from linli.grid.places.schemas import (
    BuildingCreated,
    BuildingDeleted,
    BuildingUpdated,
    GridCreated,
    GridDeleted,
    GridUpdated,
)


async def on_grid(
    session: AsyncSession, change: GridCreated | GridUpdated | GridDeleted, event: CloudEvent
) -> None:
    # The event's time orders changes of one place, whatever order they are delivered in.
    await service.apply_grid(session, event=change, at=event.time)


async def on_building(
    session: AsyncSession,
    change: BuildingCreated | BuildingUpdated | BuildingDeleted,
    event: CloudEvent,
) -> None:
    await service.apply_building(session, event=change, at=event.time)


PLACES_CONSUMER = ConsumerSpec.of(
    "grid-places",
    handler(GridCreated, on_grid),
    handler(GridUpdated, on_grid),
    handler(GridDeleted, on_grid),
    handler(BuildingCreated, on_building),
    handler(BuildingUpdated, on_building),
    handler(BuildingDeleted, on_building),
)
