"""HTTP API of visits: `/visits`, their photos, and `/grids/{grid_id}/unvisited`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, UploadFile
from starlette.responses import StreamingResponse

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.files import Files
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.grid.visits import service
from linli.grid.visits.schemas import UnvisitedRead, VisitCreate, VisitPhotoRead, VisitRead

router = APIRouter(tags=["visits"], route_class=IdempotentRoute)

_NOT_FOUND = "No such visit, or not one of your scope"


@router.post(
    "/visits",
    response_model=VisitRead,
    status_code=201,
    summary="Record a visit or patrol",
    responses=problem_responses(
        {
            403: "Grid workers (in their grids) and community workers only",
            404: "The household, building or grid is not one of your scope",
            422: "Invalid body, an unknown incident category, or a time outside the past week",
        }
    ),
)
async def record(
    session: DbSession, principal: CurrentPrincipal, visit_in: VisitCreate
) -> VisitRead:
    """A visit (走访) to a household, a patrol (巡查) of a building, or a call on an enterprise:
    when, why, and the checklist's findings. With `open_incident`, a finding becomes an incident
    at the visit's place in the same step (its id comes back as `incident_id`)."""
    return VisitRead.model_validate(
        await service.record(session, visit_in=visit_in, principal=principal)
    )


@router.get(
    "/visits",
    response_model=Page[VisitRead],
    summary="Visit history",
    responses=problem_responses(
        {403: "Not staff, or a division outside your scope", 404: "No such grid"}
    ),
)
async def history(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    household_id: uuid.UUID | None = None,
    grid_id: uuid.UUID | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[VisitRead]:
    """Visits newest first, of one household, one grid, or a whole division."""
    return await service.history(
        session,
        principal=principal,
        division=division,
        household_id=household_id,
        grid_id=grid_id,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/visits/{visit_id}",
    response_model=VisitRead,
    summary="Get a visit",
    responses=problem_responses({403: "Not staff", 404: _NOT_FOUND}),
)
async def get(session: DbSession, principal: CurrentPrincipal, visit_id: uuid.UUID) -> VisitRead:
    return VisitRead.model_validate(await service.visible(session, principal, visit_id))


@router.get(
    "/grids/{grid_id}/unvisited",
    response_model=Page[UnvisitedRead],
    summary="Households overdue a visit",
    responses=problem_responses({403: "Not staff", 404: "No such grid, or not one of your scope"}),
)
async def unvisited(
    session: DbSession,
    principal: CurrentPrincipal,
    grid_id: uuid.UUID,
    days: Annotated[int, Query(ge=1, le=366, description="Not visited for this many days")] = 30,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[UnvisitedRead]:
    """A grid worker's to-do list: the grid's households nobody visited in `days` days (never
    visited first among equals: by address), with when each last was."""
    return await service.unvisited(
        session, principal=principal, grid_id=grid_id, days=days, cursor=cursor, limit=limit
    )


@router.post(
    "/visits/{visit_id}/photos",
    response_model=VisitPhotoRead,
    status_code=201,
    summary="Add a photo to a visit",
    responses=problem_responses(
        {
            403: "Only the worker who recorded the visit",
            404: _NOT_FOUND,
            409: "The visit has its 9 photos",
            413: "Over 10 MB",
            415: "Not a JPEG, PNG or WebP image (judged from the content)",
            422: "No file, an empty file or a bad file name",
        }
    ),
)
async def add_photo(
    session: DbSession,
    principal: CurrentPrincipal,
    files: Files,
    visit_id: uuid.UUID,
    file: UploadFile,
) -> VisitPhotoRead:
    """A JPEG, PNG or WebP photo (multipart `file`, at most 10 MB, 9 per visit)."""
    photo = await service.add_photo(
        session, files, visit_id=visit_id, upload=file, principal=principal
    )
    return VisitPhotoRead.model_validate(photo)


@router.get(
    "/visits/{visit_id}/photos",
    response_model=list[VisitPhotoRead],
    summary="List a visit's photos",
    responses=problem_responses({403: "Not staff", 404: _NOT_FOUND}),
)
async def photos(
    session: DbSession, principal: CurrentPrincipal, visit_id: uuid.UUID
) -> list[VisitPhotoRead]:
    visit = await service.visible(session, principal, visit_id)
    return [VisitPhotoRead.model_validate(p) for p in await service.photos_of(session, visit)]


@router.get(
    "/visits/{visit_id}/photos/{photo_id}",
    response_class=StreamingResponse,
    summary="Read a photo of a visit",
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}},
        **problem_responses({403: "Not staff", 404: _NOT_FOUND}),
    },
)
async def read_photo(
    session: DbSession,
    principal: CurrentPrincipal,
    files: Files,
    visit_id: uuid.UUID,
    photo_id: uuid.UUID,
) -> StreamingResponse:
    return await service.photo_response(
        session, files, visit_id=visit_id, photo_id=photo_id, principal=principal
    )
