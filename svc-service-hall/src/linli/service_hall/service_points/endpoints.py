"""HTTP API of service points: `/service-points`."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DivisionFilter
from linli.service_hall.service_points import service
from linli.service_hall.service_points.schemas import ServicePointCreate, ServicePointRead

router = APIRouter(prefix="/service-points", tags=["service points"], route_class=IdempotentRoute)


@router.post(
    "",
    response_model=ServicePointRead,
    status_code=201,
    summary="Open a service point",
    responses=problem_responses(
        {403: "Only staff of the division's level and scope", 422: "Invalid body"}
    ),
)
async def create(
    session: DbSession, principal: CurrentPrincipal, point_in: ServicePointCreate
) -> ServicePointRead:
    """A hall serving one or more communities of the division, with its hours and counters:
    residents of any of them are served there."""
    point = await service.create(session, point_in=point_in, principal=principal)
    return ServicePointRead.model_validate(point)


@router.get(
    "",
    response_model=list[ServicePointRead],
    summary="List service points",
    responses=problem_responses({403: "`division` outside your scope"}),
)
async def list_points(
    session: DbSession, principal: CurrentPrincipal, division: DivisionFilter = None
) -> list[ServicePointRead]:
    """Residents: the halls serving their community. Staff: the halls within `division`."""
    points = await service.list_points(session, principal=principal, division=division)
    return [ServicePointRead.model_validate(p) for p in points]


@router.get(
    "/{point_id}",
    response_model=ServicePointRead,
    summary="Read a service point",
    responses=problem_responses(
        {
            403: "A resident the hall does not know yet (not approved in the registry)",
            404: "No such service point, or not one serving you",
        }
    ),
)
async def get(
    session: DbSession, principal: CurrentPrincipal, point_id: uuid.UUID
) -> ServicePointRead:
    return ServicePointRead.model_validate(
        await service.get(session, principal=principal, point_id=point_id)
    )
