"""HTTP API of activities and clubs: `/activities`, their sign-ups and check-ins, `/clubs`."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.service_hall.activities import service
from linli.service_hall.activities.schemas import (
    ActivityCreate,
    ActivityRead,
    CancellationRead,
    ClubCreate,
    ClubMemberRead,
    ClubRead,
    SignupIn,
    SignupRead,
)

router = APIRouter(tags=["activities and clubs (未来邻里)"], route_class=IdempotentRoute)

_NOT_FOUND = "No such activity, or not one of your community"
_WHO = (
    "A resident for themselves; staff for a resident of their scope named by `resident_id` "
    "(404 outside it)"
)


@router.post(
    "/activities",
    response_model=ActivityRead,
    status_code=201,
    summary="Put up a community activity",
    responses=problem_responses(
        {403: "Only the hall staff of the community's scope", 422: "Invalid body"}
    ),
)
async def publish(
    session: DbSession, principal: CurrentPrincipal, activity_in: ActivityCreate
) -> ActivityRead:
    """An activity of a community with its capacity: residents sign up until it is full, then
    join its waiting list, which moves up as places are given back."""
    activity = await service.publish(session, activity_in=activity_in, principal=principal)
    return ActivityRead.model_validate(activity)


@router.get(
    "/activities",
    response_model=Page[ActivityRead],
    summary="List activities",
    responses=problem_responses({403: "`division` outside your scope", 422: "Invalid filter"}),
)
async def list_activities(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ActivityRead]:
    """Residents: their community's activities, with their own status. Staff: those of
    `division`. By start time."""
    return await service.list_activities(
        session, principal=principal, division=division, cursor=cursor, limit=limit
    )


@router.get(
    "/activities/{activity_id}",
    response_model=ActivityRead,
    summary="Read an activity",
    responses=problem_responses({403: "A resident the hall does not know yet", 404: _NOT_FOUND}),
)
async def read(
    session: DbSession, principal: CurrentPrincipal, activity_id: uuid.UUID
) -> ActivityRead:
    activity = await service.visible(session, principal, activity_id)
    return await service.read(session, principal, activity)


@router.post(
    "/activities/{activity_id}/signups",
    response_model=SignupRead,
    status_code=201,
    summary="Sign up for an activity",
    responses=problem_responses(
        {
            403: _WHO,
            404: _NOT_FOUND,
            409: "Signed up already, the activity is over, or of another community",
        }
    ),
)
async def sign_up(
    session: DbSession, principal: CurrentPrincipal, activity_id: uuid.UUID, signup_in: SignupIn
) -> SignupRead:
    """`confirmed` while places are left, else `waiting` with your `queue_position`: the first
    of the queue moves up when someone cancels."""
    return await service.sign_up(
        session, activity_id=activity_id, signup_in=signup_in, principal=principal
    )


@router.post(
    "/activities/{activity_id}/cancellations",
    response_model=CancellationRead,
    summary="Give up a place (or a place in the queue)",
    responses=problem_responses({403: _WHO, 404: _NOT_FOUND, 409: "Not signed up"}),
)
async def cancel(
    session: DbSession, principal: CurrentPrincipal, activity_id: uuid.UUID, signup_in: SignupIn
) -> CancellationRead:
    """The freed place goes to the first of the waiting list at once; the answer names them."""
    return await service.cancel(
        session, activity_id=activity_id, signup_in=signup_in, principal=principal
    )


@router.post(
    "/activities/{activity_id}/check-ins",
    response_model=SignupRead,
    summary="Check in at an activity",
    responses=problem_responses(
        {
            403: _WHO,
            404: _NOT_FOUND,
            409: "`not-signed-up` (no place: not signed up, cancelled or waiting), or checked in",
        }
    ),
)
async def check_in(
    session: DbSession, principal: CurrentPrincipal, activity_id: uuid.UUID, signup_in: SignupIn
) -> SignupRead:
    return await service.check_in(
        session, activity_id=activity_id, signup_in=signup_in, principal=principal
    )


@router.get(
    "/activities/{activity_id}/signups",
    response_model=list[SignupRead],
    summary="List an activity's sign-ups and waiting list",
    responses=problem_responses({403: "Staff only", 404: _NOT_FOUND}),
)
async def signups(
    session: DbSession, principal: CurrentPrincipal, activity_id: uuid.UUID
) -> list[SignupRead]:
    return await service.signups(session, activity_id=activity_id, principal=principal)


@router.post(
    "/clubs",
    response_model=ClubRead,
    status_code=201,
    summary="Found a community club",
    responses=problem_responses(
        {403: "Only the hall staff of the community's scope", 422: "Invalid body"}
    ),
)
async def found_club(
    session: DbSession, principal: CurrentPrincipal, club_in: ClubCreate
) -> ClubRead:
    club = await service.found_club(session, club_in=club_in, principal=principal)
    return ClubRead.model_validate(club)


@router.get(
    "/clubs",
    response_model=Page[ClubRead],
    summary="List clubs",
    responses=problem_responses({403: "`division` outside your scope"}),
)
async def list_clubs(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ClubRead]:
    page = await service.list_clubs(
        session, principal=principal, division=division, cursor=cursor, limit=limit
    )
    return Page[ClubRead](
        items=[ClubRead.model_validate(c) for c in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/clubs/{club_id}/members",
    response_model=ClubMemberRead,
    summary="Join a club",
    responses=problem_responses(
        {403: _WHO, 404: "No such club, or not one of your community", 409: "Another community's"}
    ),
)
async def join_club(
    session: DbSession, principal: CurrentPrincipal, club_id: uuid.UUID, signup_in: SignupIn
) -> ClubMemberRead:
    """Once: joining again answers the membership with `joined` false."""
    return await service.join_club(
        session, club_id=club_id, signup_in=signup_in, principal=principal
    )


@router.get(
    "/clubs/{club_id}/members",
    response_model=list[ClubMemberRead],
    summary="List a club's members",
    responses=problem_responses({403: "Staff only", 404: "No such club"}),
)
async def club_members(
    session: DbSession, principal: CurrentPrincipal, club_id: uuid.UUID
) -> list[ClubMemberRead]:
    return list(await service.club_members(session, club_id=club_id, principal=principal))
