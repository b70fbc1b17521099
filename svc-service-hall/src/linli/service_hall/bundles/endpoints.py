"""HTTP API of 一件事 bundles: `/bundles` (filing one is `POST /applications` with `bundle_id`)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DivisionFilter
from linli.service_hall.bundles import service
from linli.service_hall.bundles.schemas import BundleCreate, BundleRead

router = APIRouter(prefix="/bundles", tags=["bundles"], route_class=IdempotentRoute)


@router.post(
    "",
    response_model=BundleRead,
    status_code=201,
    summary="Define a 一件事 bundle",
    responses=problem_responses(
        {
            403: "Only staff of the owning division's level",
            404: "An item does not exist",
            409: "The code is taken",
            422: "Invalid body, or an item not offered within the owner",
        }
    ),
)
async def create(
    session: DbSession, principal: CurrentPrincipal, bundle_in: BundleCreate
) -> BundleRead:
    """A life event (a new baby, moving in, retiring) as the items it takes: filed once with one
    set of materials, it fans out to an application per item."""
    return await service.create(session, bundle_in=bundle_in, principal=principal)


@router.get(
    "",
    response_model=list[BundleRead],
    summary="List bundles offered to you",
    responses=problem_responses({403: "`division` outside your scope"}),
)
async def list_bundles(
    session: DbSession, principal: CurrentPrincipal, division: DivisionFilter = None
) -> list[BundleRead]:
    """Residents: bundles whose every item is offered in their community. Staff: bundles owned
    within or above `division`."""
    return await service.list_bundles(session, principal=principal, division=division)


@router.get(
    "/{bundle_id}",
    response_model=BundleRead,
    summary="Read a bundle",
    responses=problem_responses(
        {
            403: "A resident the hall does not know yet (not approved in the registry)",
            404: "No such bundle, or not one offered to you",
        }
    ),
)
async def get(session: DbSession, principal: CurrentPrincipal, bundle_id: uuid.UUID) -> BundleRead:
    return await service.get(session, principal=principal, bundle_id=bundle_id)
