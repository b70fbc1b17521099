"""HTTP API of the catalogue: `/catalogue/items` and their versions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.service_hall.catalogue import service
from linli.service_hall.catalogue.schemas import ItemCreate, ItemRead, ItemRules

router = APIRouter(prefix="/catalogue", tags=["catalogue"], route_class=IdempotentRoute)

_NOT_FOUND = "No such item, or not one offered to you"


@router.post(
    "/items",
    response_model=ItemRead,
    status_code=201,
    summary="Publish a new service item",
    responses=problem_responses(
        {
            403: "Only staff of the owning division's level, within their scope",
            409: "The code is taken",
            422: "Invalid body (a division outside the owner, duplicate material codes …)",
        }
    ),
)
async def create_item(
    session: DbSession, principal: CurrentPrincipal, item_in: ItemCreate
) -> ItemRead:
    """An item (办事事项) at version 1: where it is offered, the materials it asks for (each with
    the file types it accepts), its channels, its promise in working days and its fee in fen."""
    return await service.create_item(session, item_in=item_in, principal=principal)


@router.post(
    "/items/{item_id}/versions",
    response_model=ItemRead,
    status_code=201,
    summary="Publish the next version of an item",
    responses=problem_responses(
        {403: "Only the owner's staff", 404: _NOT_FOUND, 422: "Invalid body"}
    ),
)
async def revise_item(
    session: DbSession, principal: CurrentPrincipal, item_id: uuid.UUID, rules: ItemRules
) -> ItemRead:
    """New rules for the item from now on; applications already filed keep the version they
    were filed under."""
    return await service.revise_item(session, item_id=item_id, rules=rules, principal=principal)


@router.get(
    "/items",
    response_model=Page[ItemRead],
    summary="List the items offered to you",
    responses=problem_responses(
        {403: "`division` outside your scope, or a resident the hall does not know"}
    ),
)
async def list_items(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ItemRead]:
    """Residents: the items offered in their own community. Staff: items offered anywhere
    within `division` (default: their scope). By code."""
    return await service.list_items(
        session, principal=principal, division=division, cursor=cursor, limit=limit
    )


@router.get(
    "/items/{item_id}",
    response_model=ItemRead,
    summary="Read an item",
    responses=problem_responses(
        {
            403: "A resident the hall does not know yet (not approved in the registry)",
            404: _NOT_FOUND,
        }
    ),
)
async def get_item(
    session: DbSession,
    principal: CurrentPrincipal,
    item_id: uuid.UUID,
    version: Annotated[int | None, Query(ge=1, le=100_000, description="A past version")] = None,
) -> ItemRead:
    """The item's current rules (or those of `version`)."""
    return await service.get_item(session, principal=principal, item_id=item_id, version=version)


@router.get(
    "/items/{item_id}/versions",
    response_model=list[ItemRead],
    summary="Every version of an item",
    responses=problem_responses({403: "Staff only", 404: _NOT_FOUND}),
)
async def versions(
    session: DbSession, principal: CurrentPrincipal, item_id: uuid.UUID
) -> list[ItemRead]:
    """The item's history, oldest first."""
    return await service.versions(session, principal=principal, item_id=item_id)
