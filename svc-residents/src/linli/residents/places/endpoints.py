"""HTTP of places: grids, courts, buildings, units and dwellings of the communities in scope."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.residents.places import service
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

router = APIRouter(tags=["places"], route_class=IdempotentRoute)

_CREATE = problem_responses(
    {
        403: "Your role may not manage places, or the community lies outside your scope",
        409: "The name (or grid number) is already taken in that community",
        422: "A field is invalid, the community was never imported, or a court/grid named is "
        "not one of the community's",
    }
)
_CREATE_CHILD = problem_responses(
    {
        403: "Your role may not manage places",
        404: "No such parent within your scope",
        409: "The name is already taken under that parent",
        422: "A field is invalid",
    }
)
_LIST = problem_responses(
    {
        403: "Your role may not read places, or `division` lies outside your scope",
        422: "`division` is not a division code, or the cursor is not one we gave",
    }
)
_READ = problem_responses(
    {403: "Your role may not read places", 404: "No such place that you may see"}
)
_UPDATE = problem_responses(
    {
        403: "Your role may not manage places",
        404: "No such place within your scope",
        409: "The new name (or number) is already taken",
        422: "A field is invalid or null where it may not be",
    }
)
_DELETE = problem_responses(
    {
        403: "Your role may not manage places",
        404: "No such place within your scope",
        409: "The place still holds buildings, units, dwellings or households",
    }
)


# --- grids ---------------------------------------------------------------------------------------


@router.post(
    "/grids", response_model=GridRead, status_code=status.HTTP_201_CREATED, responses=_CREATE
)
async def create_grid(
    session: DbSession, principal: CurrentPrincipal, grid_in: GridCreate
) -> GridRead:
    """Create a grid (网格) of a community, numbered within it. For community workers and the
    admins above them; send an `Idempotency-Key` so a retry does not create it twice."""
    grid = await service.create_grid(session, principal=principal, grid_in=grid_in)
    return GridRead.model_validate(grid)


@router.get("/grids", response_model=Page[GridRead], responses=_LIST)
async def list_grids(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[GridRead]:
    """Grids of a division, in community order; a grid worker sees only their own grids."""
    return await service.list_grids(
        session, principal=principal, division=division, cursor=cursor, limit=limit
    )


@router.get("/grids/{grid_id:uuid}", response_model=GridRead, responses=_READ)
async def get_grid(session: DbSession, principal: CurrentPrincipal, grid_id: uuid.UUID) -> GridRead:
    """One grid."""
    return GridRead.model_validate(
        await service.get_grid(session, principal=principal, grid_id=grid_id)
    )


@router.patch("/grids/{grid_id:uuid}", response_model=GridRead, responses=_UPDATE)
async def update_grid(
    session: DbSession, principal: CurrentPrincipal, grid_id: uuid.UUID, grid_in: GridUpdate
) -> GridRead:
    """Rename or renumber a grid; fields left out stay as they are."""
    grid = await service.update_grid(session, principal=principal, grid_id=grid_id, grid_in=grid_in)
    return GridRead.model_validate(grid)


@router.delete("/grids/{grid_id:uuid}", status_code=204, response_class=Response, responses=_DELETE)
async def delete_grid(
    session: DbSession, principal: CurrentPrincipal, grid_id: uuid.UUID
) -> Response:
    """Delete a grid no building, household or resident refers to any more."""
    await service.delete_grid(session, principal=principal, grid_id=grid_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- courts --------------------------------------------------------------------------------------


@router.post(
    "/courts", response_model=CourtRead, status_code=status.HTTP_201_CREATED, responses=_CREATE
)
async def create_court(
    session: DbSession, principal: CurrentPrincipal, court_in: CourtCreate
) -> CourtRead:
    """Create a residential court (苑区/小区) of a community."""
    court = await service.create_court(session, principal=principal, court_in=court_in)
    return CourtRead.model_validate(court)


@router.get("/courts", response_model=Page[CourtRead], responses=_LIST)
async def list_courts(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[CourtRead]:
    """Courts of a division; a grid worker sees the courts holding buildings of their grids."""
    return await service.list_courts(
        session, principal=principal, division=division, cursor=cursor, limit=limit
    )


@router.get("/courts/{court_id:uuid}", response_model=CourtRead, responses=_READ)
async def get_court(
    session: DbSession, principal: CurrentPrincipal, court_id: uuid.UUID
) -> CourtRead:
    """One court."""
    return CourtRead.model_validate(
        await service.get_court(session, principal=principal, court_id=court_id)
    )


@router.patch("/courts/{court_id:uuid}", response_model=CourtRead, responses=_UPDATE)
async def update_court(
    session: DbSession, principal: CurrentPrincipal, court_id: uuid.UUID, court_in: CourtUpdate
) -> CourtRead:
    """Rename a court."""
    court = await service.update_court(
        session, principal=principal, court_id=court_id, court_in=court_in
    )
    return CourtRead.model_validate(court)


@router.delete(
    "/courts/{court_id:uuid}", status_code=204, response_class=Response, responses=_DELETE
)
async def delete_court(
    session: DbSession, principal: CurrentPrincipal, court_id: uuid.UUID
) -> Response:
    """Delete a court that no building belongs to any more."""
    await service.delete_court(session, principal=principal, court_id=court_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- buildings -----------------------------------------------------------------------------------


@router.post(
    "/buildings",
    response_model=BuildingRead,
    status_code=status.HTTP_201_CREATED,
    responses=_CREATE,
)
async def create_building(
    session: DbSession, principal: CurrentPrincipal, building_in: BuildingCreate
) -> BuildingRead:
    """Create a building (楼栋), named uniquely within its community, optionally in a court and a
    grid of the same community."""
    building = await service.create_building(session, principal=principal, building_in=building_in)
    return BuildingRead.model_validate(building)


@router.get("/buildings", response_model=Page[BuildingRead], responses=_LIST)
async def list_buildings(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    court_id: Annotated[uuid.UUID | None, Query()] = None,
    grid_id: Annotated[uuid.UUID | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[BuildingRead]:
    """Buildings of a division, optionally of one court or grid; a grid worker sees those of
    their grids."""
    return await service.list_buildings(
        session,
        principal=principal,
        division=division,
        court_id=court_id,
        grid_id=grid_id,
        cursor=cursor,
        limit=limit,
    )


@router.get("/buildings/{building_id:uuid}", response_model=BuildingRead, responses=_READ)
async def get_building(
    session: DbSession, principal: CurrentPrincipal, building_id: uuid.UUID
) -> BuildingRead:
    """One building."""
    return BuildingRead.model_validate(
        await service.get_building(session, principal=principal, building_id=building_id)
    )


@router.patch("/buildings/{building_id:uuid}", response_model=BuildingRead, responses=_UPDATE)
async def update_building(
    session: DbSession,
    principal: CurrentPrincipal,
    building_id: uuid.UUID,
    building_in: BuildingUpdate,
) -> BuildingRead:
    """Rename a building, or move it to another court or grid (null: none). Households that
    followed the building's old grid follow it to the new one."""
    building = await service.update_building(
        session, principal=principal, building_id=building_id, building_in=building_in
    )
    return BuildingRead.model_validate(building)


@router.delete(
    "/buildings/{building_id:uuid}", status_code=204, response_class=Response, responses=_DELETE
)
async def delete_building(
    session: DbSession, principal: CurrentPrincipal, building_id: uuid.UUID
) -> Response:
    """Delete a building without units."""
    await service.delete_building(session, principal=principal, building_id=building_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- units ---------------------------------------------------------------------------------------


@router.post(
    "/buildings/{building_id:uuid}/units",
    response_model=UnitRead,
    status_code=status.HTTP_201_CREATED,
    responses=_CREATE_CHILD,
)
async def create_unit(
    session: DbSession, principal: CurrentPrincipal, building_id: uuid.UUID, unit_in: UnitCreate
) -> UnitRead:
    """Create a unit (单元) in a building."""
    unit = await service.create_unit(
        session, principal=principal, building_id=building_id, unit_in=unit_in
    )
    return UnitRead.model_validate(unit)


@router.get("/buildings/{building_id:uuid}/units", response_model=Page[UnitRead], responses=_READ)
async def list_units(
    session: DbSession,
    principal: CurrentPrincipal,
    building_id: uuid.UUID,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[UnitRead]:
    """Units of a building."""
    return await service.list_units(
        session, principal=principal, building_id=building_id, cursor=cursor, limit=limit
    )


@router.get("/units/{unit_id:uuid}", response_model=UnitRead, responses=_READ)
async def get_unit(session: DbSession, principal: CurrentPrincipal, unit_id: uuid.UUID) -> UnitRead:
    """One unit."""
    return UnitRead.model_validate(
        await service.get_unit(session, principal=principal, unit_id=unit_id)
    )


@router.patch("/units/{unit_id:uuid}", response_model=UnitRead, responses=_UPDATE)
async def update_unit(
    session: DbSession, principal: CurrentPrincipal, unit_id: uuid.UUID, unit_in: UnitUpdate
) -> UnitRead:
    """Rename a unit."""
    unit = await service.update_unit(session, principal=principal, unit_id=unit_id, unit_in=unit_in)
    return UnitRead.model_validate(unit)


@router.delete("/units/{unit_id:uuid}", status_code=204, response_class=Response, responses=_DELETE)
async def delete_unit(
    session: DbSession, principal: CurrentPrincipal, unit_id: uuid.UUID
) -> Response:
    """Delete a unit without dwellings."""
    await service.delete_unit(session, principal=principal, unit_id=unit_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- dwellings -----------------------------------------------------------------------------------


@router.post(
    "/units/{unit_id:uuid}/dwellings",
    response_model=DwellingRead,
    status_code=status.HTTP_201_CREATED,
    responses=_CREATE_CHILD,
)
async def create_dwelling(
    session: DbSession, principal: CurrentPrincipal, unit_id: uuid.UUID, dwelling_in: DwellingCreate
) -> DwellingRead:
    """Create a dwelling (户) in a unit; `name` is the room number."""
    dwelling = await service.create_dwelling(
        session, principal=principal, unit_id=unit_id, dwelling_in=dwelling_in
    )
    return DwellingRead.model_validate(dwelling)


@router.get("/units/{unit_id:uuid}/dwellings", response_model=Page[DwellingRead], responses=_READ)
async def list_dwellings(
    session: DbSession,
    principal: CurrentPrincipal,
    unit_id: uuid.UUID,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[DwellingRead]:
    """Dwellings of a unit."""
    return await service.list_dwellings(
        session, principal=principal, unit_id=unit_id, cursor=cursor, limit=limit
    )


@router.get("/dwellings/{dwelling_id:uuid}", response_model=DwellingRead, responses=_READ)
async def get_dwelling(
    session: DbSession, principal: CurrentPrincipal, dwelling_id: uuid.UUID
) -> DwellingRead:
    """One dwelling, with its address."""
    return DwellingRead.model_validate(
        await service.get_dwelling(session, principal=principal, dwelling_id=dwelling_id)
    )


@router.patch("/dwellings/{dwelling_id:uuid}", response_model=DwellingRead, responses=_UPDATE)
async def update_dwelling(
    session: DbSession,
    principal: CurrentPrincipal,
    dwelling_id: uuid.UUID,
    dwelling_in: DwellingUpdate,
) -> DwellingRead:
    """Change a dwelling's room number."""
    dwelling = await service.update_dwelling(
        session, principal=principal, dwelling_id=dwelling_id, dwelling_in=dwelling_in
    )
    return DwellingRead.model_validate(dwelling)


@router.delete(
    "/dwellings/{dwelling_id:uuid}", status_code=204, response_class=Response, responses=_DELETE
)
async def delete_dwelling(
    session: DbSession, principal: CurrentPrincipal, dwelling_id: uuid.UUID
) -> Response:
    """Delete a dwelling no household ever lived in."""
    await service.delete_dwelling(session, principal=principal, dwelling_id=dwelling_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
