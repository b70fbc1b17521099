"""HTTP API of who works where: `/grids/{grid_id}/workers`, `/duty`, `/grids/{grid_id}/on-duty`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.openapi import problem_responses
from linli.grid.duty import service
from linli.grid.duty.schemas import AssignmentIn, OnDutyRead, ShiftIn, ShiftRead, WorkerRead

router = APIRouter(tags=["duty"])

WorkerSubject = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:@-]+$")]
_GRID = "No such grid, or not one of your scope"


@router.put(
    "/grids/{grid_id}/workers/{worker_subject}",
    response_model=WorkerRead,
    summary="Assign a grid worker to a grid",
    responses=problem_responses({403: "Community workers only", 404: _GRID, 422: "Invalid body"}),
)
async def assign(
    session: DbSession,
    principal: CurrentPrincipal,
    grid_id: uuid.UUID,
    worker_subject: WorkerSubject,
    assignment_in: AssignmentIn,
) -> WorkerRead:
    """The worker (their account id) serves the grid from now on; assigning again renames."""
    worker = await service.assign(
        session,
        grid_id=grid_id,
        worker_subject=worker_subject,
        assignment_in=assignment_in,
        principal=principal,
    )
    return WorkerRead.model_validate(worker)


@router.delete(
    "/grids/{grid_id}/workers/{worker_subject}",
    status_code=204,
    summary="Unassign a grid worker",
    responses=problem_responses(
        {403: "Community workers only", 404: f"{_GRID}, or not its worker"}
    ),
)
async def unassign(
    session: DbSession,
    principal: CurrentPrincipal,
    grid_id: uuid.UUID,
    worker_subject: WorkerSubject,
) -> Response:
    """The worker no longer serves the grid."""
    await service.unassign(
        session, grid_id=grid_id, worker_subject=worker_subject, principal=principal
    )
    return Response(status_code=204)


@router.get(
    "/grids/{grid_id}/workers",
    response_model=list[WorkerRead],
    summary="List a grid's workers",
    responses=problem_responses({403: "Staff only", 404: _GRID}),
)
async def workers(
    session: DbSession, principal: CurrentPrincipal, grid_id: uuid.UUID
) -> list[WorkerRead]:
    """The grid workers serving the grid, in the order they were assigned."""
    found = await service.workers(session, grid_id=grid_id, principal=principal)
    return [WorkerRead.model_validate(w) for w in found]


@router.post(
    "/duty",
    response_model=ShiftRead,
    status_code=201,
    summary="Schedule a duty shift",
    responses=problem_responses(
        {
            403: "Community workers only, and of the community",
            404: _GRID,
            422: "Invalid times, or the worker does not serve the grid",
        }
    ),
)
async def schedule(session: DbSession, principal: CurrentPrincipal, shift_in: ShiftIn) -> ShiftRead:
    """Who answers alarms in a grid (a worker of it) or for the whole community, from when to
    when (at most 7 days). A later shift over an earlier one replaces it for its time."""
    return ShiftRead.model_validate(
        await service.schedule_shift(session, shift_in=shift_in, principal=principal)
    )


@router.get(
    "/grids/{grid_id}/on-duty",
    response_model=OnDutyRead,
    summary="Who is on duty in a grid now",
    responses=problem_responses({403: "Staff only", 404: f"{_GRID}, or nobody on duty"}),
)
async def on_duty(
    session: DbSession, principal: CurrentPrincipal, grid_id: uuid.UUID
) -> OnDutyRead:
    """The grid's worker on duty now, or the community's duty worker when the grid has none
    (`fallback`)."""
    return await service.on_duty(session, grid_id=grid_id, principal=principal)
