"""HTTP API of door-to-door visits: `/home-visits` and their steps."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.service_hall.home_visits import service
from linli.service_hall.home_visits.schemas import (
    AssignIn,
    HomeVisitCreate,
    HomeVisitRead,
    RecordIn,
    ScheduleIn,
)
from linli.service_hall.models import HomeVisitStatus

router = APIRouter(prefix="/home-visits", tags=["home visits"], route_class=IdempotentRoute)

_NOT_FOUND = "No such visit, or not one you may see"
_MOVE = {
    403: "Not yours to do (only the assigned worker records; staff of the community assign)",
    404: _NOT_FOUND,
    409: "The visit's state does not allow it: names `state` and the `allowed` moves",
    422: "Invalid body",
}


def _read(visit: object) -> HomeVisitRead:
    return HomeVisitRead.model_validate(visit)


@router.post(
    "",
    response_model=HomeVisitRead,
    status_code=201,
    summary="Ask for a home visit (上门办)",
    responses=problem_responses(
        {
            403: "The resident is not tagged mobility-impaired, disabled or elderly (`not-eligible`: "
            "a worker may file it), or lies outside the worker's scope",
            404: "No such item",
            422: "The item is not offered in the community, or not done at home",
        }
    ),
)
async def request(
    session: DbSession, principal: CurrentPrincipal, visit_in: HomeVisitCreate
) -> HomeVisitRead:
    """A resident who cannot come asks a worker to come to them for an item; a worker may file a
    request for any resident of their scope. The request lands in the community workers' list."""
    return _read(await service.request(session, visit_in=visit_in, principal=principal))


@router.get(
    "",
    response_model=Page[HomeVisitRead],
    summary="List home visits",
    responses=problem_responses({403: "`division` outside your scope"}),
)
async def list_visits(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    status: Annotated[HomeVisitStatus | None, Query()] = None,
    mine: Annotated[bool, Query(description="Only the visits assigned to me")] = False,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[HomeVisitRead]:
    """Newest first: staff see their scope's (`status=requested`: those waiting for a worker),
    workers with `mine` their own round, residents their own requests."""
    page = await service.list_visits(
        session,
        principal=principal,
        division=division,
        status=status,
        mine=mine,
        cursor=cursor,
        limit=limit,
    )
    return Page[HomeVisitRead](items=[_read(v) for v in page.items], next_cursor=page.next_cursor)


@router.get(
    "/{visit_id}",
    response_model=HomeVisitRead,
    summary="Read a home visit",
    responses=problem_responses({404: _NOT_FOUND}),
)
async def read(
    session: DbSession, principal: CurrentPrincipal, visit_id: uuid.UUID
) -> HomeVisitRead:
    return _read(await service.visible(session, principal, visit_id))


@router.post(
    "/{visit_id}/assign",
    response_model=HomeVisitRead,
    summary="Assign a worker",
    responses=problem_responses(_MOVE),
)
async def assign(
    session: DbSession, principal: CurrentPrincipal, visit_id: uuid.UUID, assign_in: AssignIn
) -> HomeVisitRead:
    return _read(
        await service.assign(session, visit_id=visit_id, assign_in=assign_in, principal=principal)
    )


@router.post(
    "/{visit_id}/schedule",
    response_model=HomeVisitRead,
    summary="Schedule (or reschedule) the visit",
    responses=problem_responses(_MOVE),
)
async def schedule(
    session: DbSession, principal: CurrentPrincipal, visit_id: uuid.UUID, schedule_in: ScheduleIn
) -> HomeVisitRead:
    return _read(
        await service.schedule(
            session, visit_id=visit_id, schedule_in=schedule_in, principal=principal
        )
    )


@router.post(
    "/{visit_id}/record",
    response_model=HomeVisitRead,
    summary="Record the visit: done or not at home",
    responses=problem_responses(_MOVE),
)
async def record(
    session: DbSession, principal: CurrentPrincipal, visit_id: uuid.UUID, record_in: RecordIn
) -> HomeVisitRead:
    """Done: the materials collected (and the application filed at the door). Not at home: the
    visit is scheduled again."""
    return _read(
        await service.record(session, visit_id=visit_id, record_in=record_in, principal=principal)
    )


@router.post(
    "/{visit_id}/cancel",
    response_model=HomeVisitRead,
    summary="Cancel the visit",
    responses=problem_responses(_MOVE),
)
async def cancel(
    session: DbSession, principal: CurrentPrincipal, visit_id: uuid.UUID
) -> HomeVisitRead:
    return _read(await service.cancel(session, visit_id=visit_id, principal=principal))
