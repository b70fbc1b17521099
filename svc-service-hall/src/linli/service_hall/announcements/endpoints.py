"""HTTP API of announcements: `/announcements`, read receipts and their counts."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.service_hall.announcements import service
from linli.service_hall.announcements.schemas import (
    AnnouncementCreate,
    AnnouncementRead,
    AnnouncementUpdate,
    ReadCounts,
)

router = APIRouter(
    prefix="/announcements", tags=["announcements (通知公告)"], route_class=IdempotentRoute
)

_NOT_FOUND = "No such announcement, or one that does not reach you (or has expired)"


@router.post(
    "",
    response_model=AnnouncementRead,
    status_code=201,
    summary="Publish an announcement",
    responses=problem_responses(
        {
            403: "Only the staff of a level, to a division within their scope (not above it)",
            422: "Invalid body (an expiry in the past, say)",
        }
    ),
)
async def publish(
    session: DbSession, principal: CurrentPrincipal, announcement_in: AnnouncementCreate
) -> AnnouncementRead:
    """To a division of your scope and every unit below it: a district's reaches every
    community of the district, a community's only its residents."""
    announcement = await service.publish(
        session, announcement_in=announcement_in, principal=principal
    )
    return service.read_announcement(announcement)


@router.get(
    "",
    response_model=Page[AnnouncementRead],
    summary="List announcements",
    responses=problem_responses({403: "`division` outside your scope", 422: "Invalid filter"}),
)
async def list_announcements(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[AnnouncementRead]:
    """Pinned first, then newest. Residents: those reaching their community, until they expire.
    Staff: those of their scope and those reaching it from above."""
    return await service.list_announcements(
        session, principal=principal, division=division, cursor=cursor, limit=limit
    )


@router.get(
    "/{announcement_id}",
    response_model=AnnouncementRead,
    summary="Read an announcement",
    responses=problem_responses({404: _NOT_FOUND}),
)
async def read(
    session: DbSession, principal: CurrentPrincipal, announcement_id: uuid.UUID
) -> AnnouncementRead:
    return service.read_announcement(await service.visible(session, principal, announcement_id))


@router.patch(
    "/{announcement_id}",
    response_model=AnnouncementRead,
    summary="Pin, unpin, or change the expiry",
    responses=problem_responses(
        {403: "Only staff whose scope holds its target", 404: _NOT_FOUND, 422: "Invalid body"}
    ),
)
async def update(
    session: DbSession,
    principal: CurrentPrincipal,
    announcement_id: uuid.UUID,
    update_in: AnnouncementUpdate,
) -> AnnouncementRead:
    announcement = await service.update(
        session, announcement_id=announcement_id, update_in=update_in, principal=principal
    )
    return service.read_announcement(announcement)


@router.post(
    "/{announcement_id}/read",
    status_code=204,
    summary="Mark an announcement read",
    responses=problem_responses({403: "Registered residents only", 404: _NOT_FOUND}),
)
async def mark_read(
    session: DbSession, principal: CurrentPrincipal, announcement_id: uuid.UUID
) -> None:
    """Your read receipt, counted once for your community however often you send it."""
    await service.mark_read(session, announcement_id=announcement_id, principal=principal)


@router.get(
    "/{announcement_id}/reads",
    response_model=ReadCounts,
    summary="Read receipts per community",
    responses=problem_responses({403: "Staff of a level only", 404: _NOT_FOUND}),
)
async def read_counts(
    session: DbSession, principal: CurrentPrincipal, announcement_id: uuid.UUID
) -> ReadCounts:
    """How many residents of each community of your scope read it."""
    return await service.read_counts(session, announcement_id=announcement_id, principal=principal)
