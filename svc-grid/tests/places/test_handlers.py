"""The places read model: svc-residents' grid and building events, twice or out of order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.events import CloudEvent
from linli.grid.models import PlaceBuilding, PlaceGrid
from linli.grid.places.handlers import PLACES_CONSUMER

Sessions = async_sessionmaker[AsyncSession]
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def building_event(verb: str, building_id: uuid.UUID, *, at: datetime, **data: Any) -> CloudEvent:
    kind = f"cn.linli.residents.building.{verb}.v1"
    body = {
        "type": kind,
        "community_code": "330108001001",
        "building_id": str(building_id),
        "name": "1幢",
        "court_id": None,
        "grid_id": None,
        **data,
    }
    return CloudEvent(
        id=str(uuid.uuid4()),
        source="/linli/residents",
        type=kind,
        subject=str(building_id),
        time=at,
        data=body,
    )


async def apply(sessionmaker: Sessions, *events: CloudEvent) -> None:
    for event in events:
        async with sessionmaker.begin() as session:
            await PLACES_CONSUMER.handler(session, event)


async def stored(sessionmaker: Sessions, model: Any, place_id: uuid.UUID) -> Any:
    async with sessionmaker() as session:
        return await session.get(model, place_id)


async def test_events_twice_or_out_of_order_leave_the_latest(sessionmaker: Sessions) -> None:
    building_id, grid_id = uuid.uuid4(), uuid.uuid4()
    created = building_event("created", building_id, at=T0)
    moved = building_event(
        "updated",
        building_id,
        at=T0 + timedelta(minutes=5),
        name="一幢",
        grid_id=str(grid_id),
        changed=["name", "grid_id"],
    )
    await apply(sessionmaker, moved, created, moved, created)
    building = await stored(sessionmaker, PlaceBuilding, building_id)
    assert (building.name, building.grid_id, building.last_event_at) == (
        "一幢",
        grid_id,
        T0 + timedelta(minutes=5),
    )


async def test_a_deleted_place_stays_deleted_whatever_comes_late(sessionmaker: Sessions) -> None:
    building_id = uuid.uuid4()
    await apply(
        sessionmaker,
        building_event("created", building_id, at=T0),
        building_event("deleted", building_id, at=T0 + timedelta(minutes=10)),
        building_event("updated", building_id, at=T0 + timedelta(minutes=5), changed=["name"]),
    )
    building = await stored(sessionmaker, PlaceBuilding, building_id)
    assert building.deleted_at == T0 + timedelta(minutes=10)


async def test_grids_are_kept_too(sessionmaker: Sessions) -> None:
    grid_id = uuid.uuid4()
    data = {
        "community_code": "330108001001",
        "grid_id": str(grid_id),
        "number": 2,
        "name": "二网格",
    }
    event = CloudEvent(
        id=str(uuid.uuid4()),
        source="/linli/residents",
        type="cn.linli.residents.grid.created.v1",
        subject=str(grid_id),
        time=T0,
        data={"type": "cn.linli.residents.grid.created.v1", **data},
    )
    await apply(sessionmaker, event)
    grid = await stored(sessionmaker, PlaceGrid, grid_id)
    assert (grid.number, grid.name, grid.deleted_at) == (2, "二网格", None)
