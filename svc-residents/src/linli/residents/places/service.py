"""Business rules of places: who may see and change which grid, court, building, unit, dwelling.

Community workers and the street, district and city admins above them manage the places of the
communities their scope covers; grid workers read the places of their own grids; residents none.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, exists, false, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.conflicts import unique_constraints, write_or_conflict
from linli.common.errors import NullNotAllowed
from linli.common.events import DomainEvent
from linli.common.models import new_id
from linli.common.outbox import events_of
from linli.common.pagination import Page
from linli.residents.access import (
    MANAGE_ROLES,
    Place,
    Viewer,
    imported_community,
    managed_place,
    viewer,
    visible_place,
)
from linli.residents.households.events import HouseholdUpdated
from linli.residents.models import Building, Court, Dwelling, Grid, Household, Resident, Unit
from linli.residents.places import events
from linli.residents.places.errors import (
    PlaceInUse,
    PlaceNameTaken,
    PlaceOutsideCommunity,
)
from linli.residents.places.repository import PlaceRepository, PlaceT, community_order
from linli.residents.places.schemas import (
    BuildingCreate,
    BuildingRead,
    BuildingUpdate,
    CourtCreate,
    CourtRead,
    CourtUpdate,
    DwellingCreate,
    DwellingRead,
    DwellingUpdate,
    GridCreate,
    GridRead,
    GridUpdate,
    UnitCreate,
    UnitRead,
    UnitUpdate,
)


async def _require_community(session: AsyncSession, principal: Principal, code: str) -> None:
    principal.require_role(*MANAGE_ROLES)
    principal.require_scope(code)
    await imported_community(session, code)


async def _add(session: AsyncSession, place: PlaceT) -> PlaceT:
    if not await PlaceRepository(session).add(place):
        raise PlaceNameTaken(f"this name (or number) is already taken in {place.community_code}")
    return place


async def _change(
    session: AsyncSession, place: Place, changes: Mapping[str, Any], *, nullable: frozenset[str]
) -> list[str]:
    """Set and write the changed attributes (explicit nulls only where the column takes them);
    409 when the new name or number is taken in the parent."""
    nulls = [field for field, value in changes.items() if value is None and field not in nullable]
    if nulls:
        raise NullNotAllowed(nulls)
    # Read before the write: a refused write expires the place.
    community_code = place.community_code
    changed = []
    async with write_or_conflict(session, on=unique_constraints(type(place))) as write:
        for field, value in changes.items():
            if getattr(place, field) != value:
                setattr(place, field, value)
                changed.append(field)
    if write.conflict:
        raise PlaceNameTaken(f"this name (or number) is already taken in {community_code}")
    return changed


async def _delete(session: AsyncSession, place: Place) -> None:
    if await PlaceRepository(session).in_use(place):
        raise PlaceInUse("the place still holds buildings, units, dwellings or households")
    await session.delete(place)
    await session.flush()


async def _list(
    session: AsyncSession,
    *,
    reader: Viewer,
    model: type[PlaceT],
    division: str | None,
    where: list[ColumnElement[bool]],
    grid_filter: ColumnElement[bool] | None,
    cursor: str | None,
    limit: int,
) -> list[PlaceT]:
    principal = reader.principal
    division = division or principal.scope
    # A list filtered to a scope the caller does not hold is refused, not emptied.
    principal.require_scope(division)
    if reader.grids is not None:
        where = [*where, grid_filter if grid_filter is not None else false()]
    rows = await PlaceRepository(session).list(
        model,
        division_prefix=division,
        where=where,
        after=community_order(model).decode(cursor),
        limit=limit,
    )
    return list(rows)


async def dwelling_at_address(
    session: AsyncSession, *, community_code: str, building: str, unit: str, room: str
) -> Dwelling:
    """*Write path* of places created on the way (an approved registration, a resident entered
    at an address): the dwelling at the address, and an event for each place it created."""
    dwelling, created = await PlaceRepository(session).dwelling_at(
        community_code=community_code, building=building, unit=unit, room=room
    )
    for place in created:
        match place:
            case Building():
                await events_of(session).record(
                    _building_event(events.BuildingCreated, place), subject_id=place.id
                )
            case Unit():
                await events_of(session).record(
                    _unit_event(events.UnitCreated, place), subject_id=place.id
                )
            case Dwelling():
                await events_of(session).record(
                    dwelling_event(events.DwellingCreated, place), subject_id=place.id
                )
    return dwelling


# --- grids ---------------------------------------------------------------------------------------


def _grid_event(cls: type[events.GridCreated | events.GridDeleted], grid: Grid) -> DomainEvent:
    return cls(
        community_code=grid.community_code, grid_id=grid.id, number=grid.number, name=grid.name
    )


async def create_grid(session: AsyncSession, *, principal: Principal, grid_in: GridCreate) -> Grid:
    await _require_community(session, principal, grid_in.community_code)
    grid = await _add(session, Grid(id=new_id(), **grid_in.model_dump()))
    await events_of(session).record(_grid_event(events.GridCreated, grid), subject_id=grid.id)
    return grid


async def get_grid(session: AsyncSession, *, principal: Principal, grid_id: uuid.UUID) -> Grid:
    return await visible_place(session, principal, Grid, grid_id)


async def list_grids(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    cursor: str | None,
    limit: int,
) -> Page[GridRead]:
    reader = await viewer(session, principal)
    rows = await _list(
        session,
        reader=reader,
        model=Grid,
        division=division,
        where=[],
        grid_filter=Grid.id.in_(reader.grids or ()),
        cursor=cursor,
        limit=limit,
    )
    return community_order(Grid).page(rows, limit=limit, read=GridRead.model_validate)


async def update_grid(
    session: AsyncSession, *, principal: Principal, grid_id: uuid.UUID, grid_in: GridUpdate
) -> Grid:
    grid = await managed_place(session, principal, Grid, grid_id)
    changed = await _change(
        session, grid, grid_in.model_dump(exclude_unset=True), nullable=frozenset()
    )
    if changed:
        await events_of(session).record(
            events.GridUpdated(
                community_code=grid.community_code,
                grid_id=grid.id,
                number=grid.number,
                name=grid.name,
                changed=changed,
            ),
            subject_id=grid.id,
        )
    return grid


async def delete_grid(session: AsyncSession, *, principal: Principal, grid_id: uuid.UUID) -> None:
    grid = await managed_place(session, principal, Grid, grid_id)
    await _delete(session, grid)
    await events_of(session).record(_grid_event(events.GridDeleted, grid), subject_id=grid.id)


# --- courts --------------------------------------------------------------------------------------


async def create_court(
    session: AsyncSession, *, principal: Principal, court_in: CourtCreate
) -> Court:
    await _require_community(session, principal, court_in.community_code)
    court = await _add(session, Court(id=new_id(), **court_in.model_dump()))
    await events_of(session).record(
        events.CourtCreated(
            community_code=court.community_code, court_id=court.id, name=court.name
        ),
        subject_id=court.id,
    )
    return court


async def get_court(session: AsyncSession, *, principal: Principal, court_id: uuid.UUID) -> Court:
    return await visible_place(session, principal, Court, court_id)


async def list_courts(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    cursor: str | None,
    limit: int,
) -> Page[CourtRead]:
    reader = await viewer(session, principal)
    held = exists().where(Building.court_id == Court.id, Building.grid_id.in_(reader.grids or ()))
    rows = await _list(
        session,
        reader=reader,
        model=Court,
        division=division,
        where=[],
        grid_filter=held,
        cursor=cursor,
        limit=limit,
    )
    return community_order(Court).page(rows, limit=limit, read=CourtRead.model_validate)


async def update_court(
    session: AsyncSession, *, principal: Principal, court_id: uuid.UUID, court_in: CourtUpdate
) -> Court:
    court = await managed_place(session, principal, Court, court_id)
    changed = await _change(
        session, court, court_in.model_dump(exclude_unset=True), nullable=frozenset()
    )
    if changed:
        await events_of(session).record(
            events.CourtUpdated(
                community_code=court.community_code,
                court_id=court.id,
                name=court.name,
                changed=changed,
            ),
            subject_id=court.id,
        )
    return court


async def delete_court(session: AsyncSession, *, principal: Principal, court_id: uuid.UUID) -> None:
    court = await managed_place(session, principal, Court, court_id)
    await _delete(session, court)
    await events_of(session).record(
        events.CourtDeleted(
            community_code=court.community_code, court_id=court.id, name=court.name
        ),
        subject_id=court.id,
    )


# --- buildings -----------------------------------------------------------------------------------


async def _check_building_refs(
    session: AsyncSession, community_code: str, changes: Mapping[str, Any]
) -> None:
    """A building's court and grid must be of its own community; any other id reads as unknown."""
    repository = PlaceRepository(session)
    if (court_id := changes.get("court_id")) is not None:
        court = await repository.get(Court, court_id)
        if court is None or court.community_code != community_code:
            raise PlaceOutsideCommunity("court_id", community_code)
    if (grid_id := changes.get("grid_id")) is not None:
        grid = await repository.get(Grid, grid_id)
        if grid is None or grid.community_code != community_code:
            raise PlaceOutsideCommunity("grid_id", community_code)


def _building_event(
    cls: type[events.BuildingCreated | events.BuildingDeleted], building: Building
) -> DomainEvent:
    return cls(
        community_code=building.community_code,
        building_id=building.id,
        name=building.name,
        court_id=building.court_id,
        grid_id=building.grid_id,
    )


async def create_building(
    session: AsyncSession, *, principal: Principal, building_in: BuildingCreate
) -> Building:
    await _require_community(session, principal, building_in.community_code)
    await _check_building_refs(session, building_in.community_code, building_in.model_dump())
    building = await _add(session, Building(id=new_id(), **building_in.model_dump()))
    await events_of(session).record(
        _building_event(events.BuildingCreated, building), subject_id=building.id
    )
    return building


async def get_building(
    session: AsyncSession, *, principal: Principal, building_id: uuid.UUID
) -> Building:
    return await visible_place(session, principal, Building, building_id)


async def list_buildings(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    court_id: uuid.UUID | None,
    grid_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> Page[BuildingRead]:
    reader = await viewer(session, principal)
    where: list[ColumnElement[bool]] = []
    if court_id is not None:
        where.append(Building.court_id == court_id)
    if grid_id is not None:
        where.append(Building.grid_id == grid_id)
    rows = await _list(
        session,
        reader=reader,
        model=Building,
        division=division,
        where=where,
        grid_filter=Building.grid_id.in_(reader.grids or ()),
        cursor=cursor,
        limit=limit,
    )
    return community_order(Building).page(rows, limit=limit, read=BuildingRead.model_validate)


async def update_building(
    session: AsyncSession,
    *,
    principal: Principal,
    building_id: uuid.UUID,
    building_in: BuildingUpdate,
) -> Building:
    """A new grid carries along the households (and their residents) that followed the old one;
    households given a grid of their own keep it."""
    building = await managed_place(session, principal, Building, building_id)
    changes = building_in.model_dump(exclude_unset=True)
    await _check_building_refs(session, building.community_code, changes)
    old_grid = building.grid_id
    changed = await _change(session, building, changes, nullable=frozenset({"court_id", "grid_id"}))
    if not changed:
        return building
    if "grid_id" in changed:
        await _follow_building_grid(session, building, old_grid)
    await events_of(session).record(
        events.BuildingUpdated(
            community_code=building.community_code,
            building_id=building.id,
            name=building.name,
            court_id=building.court_id,
            grid_id=building.grid_id,
            changed=changed,
        ),
        subject_id=building.id,
    )
    return building


async def _follow_building_grid(
    session: AsyncSession, building: Building, old_grid: uuid.UUID | None
) -> None:
    """Move the households that followed the building's grid, and their residents, in bulk; each
    household publishes what a household's own grid change publishes (`household.updated`), so
    read models elsewhere (the grid's roster) learn of it."""
    in_building = select(Dwelling.id).where(Dwelling.building_id == building.id)
    following = Household.grid_id.is_(None) if old_grid is None else Household.grid_id == old_grid
    moved = await session.scalars(
        update(Household)
        .where(Household.dwelling_id.in_(in_building), following)
        .values(grid_id=building.grid_id)
        .returning(Household.id)
    )
    household_ids = list(moved)
    if not household_ids:
        return
    await session.execute(
        update(Resident)
        .where(Resident.household_id.in_(household_ids))
        .values(grid_id=building.grid_id)
    )
    await events_of(session).record_many(
        (
            HouseholdUpdated(
                community_code=building.community_code,
                household_id=household_id,
                grid_id=building.grid_id,
                changed=["grid_id"],
            ),
            household_id,
        )
        for household_id in household_ids
    )


async def delete_building(
    session: AsyncSession, *, principal: Principal, building_id: uuid.UUID
) -> None:
    building = await managed_place(session, principal, Building, building_id)
    await _delete(session, building)
    await events_of(session).record(
        _building_event(events.BuildingDeleted, building), subject_id=building.id
    )


# --- units ---------------------------------------------------------------------------------------


def _unit_event(cls: type[events.UnitCreated | events.UnitDeleted], unit: Unit) -> DomainEvent:
    return cls(
        community_code=unit.community_code,
        unit_id=unit.id,
        building_id=unit.building_id,
        name=unit.name,
    )


async def create_unit(
    session: AsyncSession, *, principal: Principal, building_id: uuid.UUID, unit_in: UnitCreate
) -> Unit:
    building = await managed_place(session, principal, Building, building_id)
    unit = await _add(
        session,
        Unit(
            id=new_id(),
            building=building,
            community_code=building.community_code,
            name=unit_in.name,
        ),
    )
    await events_of(session).record(_unit_event(events.UnitCreated, unit), subject_id=unit.id)
    return unit


async def get_unit(session: AsyncSession, *, principal: Principal, unit_id: uuid.UUID) -> Unit:
    return await visible_place(session, principal, Unit, unit_id)


async def list_units(
    session: AsyncSession,
    *,
    principal: Principal,
    building_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[UnitRead]:
    building = await visible_place(session, principal, Building, building_id)
    rows = await PlaceRepository(session).list(
        Unit,
        division_prefix=building.community_code,
        where=[Unit.building_id == building.id],
        after=community_order(Unit).decode(cursor),
        limit=limit,
    )
    return community_order(Unit).page(rows, limit=limit, read=UnitRead.model_validate)


async def update_unit(
    session: AsyncSession, *, principal: Principal, unit_id: uuid.UUID, unit_in: UnitUpdate
) -> Unit:
    unit = await managed_place(session, principal, Unit, unit_id)
    changed = await _change(
        session, unit, unit_in.model_dump(exclude_unset=True), nullable=frozenset()
    )
    if changed:
        await events_of(session).record(
            events.UnitUpdated(
                community_code=unit.community_code,
                unit_id=unit.id,
                building_id=unit.building_id,
                name=unit.name,
                changed=changed,
            ),
            subject_id=unit.id,
        )
    return unit


async def delete_unit(session: AsyncSession, *, principal: Principal, unit_id: uuid.UUID) -> None:
    unit = await managed_place(session, principal, Unit, unit_id)
    await _delete(session, unit)
    await events_of(session).record(_unit_event(events.UnitDeleted, unit), subject_id=unit.id)


# --- dwellings -----------------------------------------------------------------------------------


def dwelling_event(
    cls: type[events.DwellingCreated | events.DwellingDeleted], dwelling: Dwelling
) -> DomainEvent:
    return cls(
        community_code=dwelling.community_code,
        dwelling_id=dwelling.id,
        unit_id=dwelling.unit_id,
        building_id=dwelling.building_id,
        address=dwelling.address,
    )


async def create_dwelling(
    session: AsyncSession, *, principal: Principal, unit_id: uuid.UUID, dwelling_in: DwellingCreate
) -> Dwelling:
    unit = await managed_place(session, principal, Unit, unit_id)
    dwelling = await _add(
        session,
        Dwelling(
            id=new_id(),
            unit=unit,
            building_id=unit.building_id,
            community_code=unit.community_code,
            name=dwelling_in.name,
        ),
    )
    await events_of(session).record(
        dwelling_event(events.DwellingCreated, dwelling), subject_id=dwelling.id
    )
    return dwelling


async def get_dwelling(
    session: AsyncSession, *, principal: Principal, dwelling_id: uuid.UUID
) -> Dwelling:
    return await visible_place(session, principal, Dwelling, dwelling_id)


async def list_dwellings(
    session: AsyncSession,
    *,
    principal: Principal,
    unit_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[DwellingRead]:
    unit = await visible_place(session, principal, Unit, unit_id)
    rows = await PlaceRepository(session).list(
        Dwelling,
        division_prefix=unit.community_code,
        where=[Dwelling.unit_id == unit.id],
        after=community_order(Dwelling).decode(cursor),
        limit=limit,
    )
    return community_order(Dwelling).page(rows, limit=limit, read=DwellingRead.model_validate)


async def update_dwelling(
    session: AsyncSession,
    *,
    principal: Principal,
    dwelling_id: uuid.UUID,
    dwelling_in: DwellingUpdate,
) -> Dwelling:
    dwelling = await managed_place(session, principal, Dwelling, dwelling_id)
    changed = await _change(
        session, dwelling, dwelling_in.model_dump(exclude_unset=True), nullable=frozenset()
    )
    if changed:
        await events_of(session).record(
            events.DwellingUpdated(
                community_code=dwelling.community_code,
                dwelling_id=dwelling.id,
                unit_id=dwelling.unit_id,
                building_id=dwelling.building_id,
                address=dwelling.address,
                changed=changed,
            ),
            subject_id=dwelling.id,
        )
    return dwelling


async def delete_dwelling(
    session: AsyncSession, *, principal: Principal, dwelling_id: uuid.UUID
) -> None:
    dwelling = await managed_place(session, principal, Dwelling, dwelling_id)
    await _delete(session, dwelling)
    await events_of(session).record(
        dwelling_event(events.DwellingDeleted, dwelling), subject_id=dwelling.id
    )
