"""HTTP API of volunteering: `/volunteer-organisations`, `/volunteer-activities` with sign-ups,
check-ins, check-outs and hours, `/volunteer-hours` (a volunteer's total and history) and
`/volunteer-ranking`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.divisions import CommunityCodeStr
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.service_hall.volunteering import service
from linli.service_hall.volunteering.schemas import (
    CheckOutRead,
    HoursIn,
    HoursRead,
    MemberIn,
    MemberRead,
    OrganisationCreate,
    OrganisationRead,
    Ranking,
    SignupRead,
    VolunteerActivityCreate,
    VolunteerActivityRead,
    VolunteerHours,
    VolunteerIn,
)

router = APIRouter(tags=["volunteering (五社联动)"], route_class=IdempotentRoute)

_NOT_FOUND = "No such volunteer activity, or not one of your community"
_WHO = "A volunteer for themselves; the organiser for a volunteer named by `resident_id`"


@router.post(
    "/volunteer-organisations",
    response_model=OrganisationRead,
    status_code=201,
    summary="Register a social organisation or volunteer team",
    responses=problem_responses({403: "Hall staff of the community's scope", 422: "Invalid"}),
)
async def found(
    session: DbSession, principal: CurrentPrincipal, organisation_in: OrganisationCreate
) -> OrganisationRead:
    organisation = await service.found(
        session, organisation_in=organisation_in, principal=principal
    )
    return OrganisationRead.model_validate(organisation)


@router.get(
    "/volunteer-organisations",
    response_model=Page[OrganisationRead],
    summary="List organisations and teams",
    responses=problem_responses({403: "`division` outside your scope"}),
)
async def list_organisations(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[OrganisationRead]:
    page = await service.list_organisations(
        session, principal=principal, division=division, cursor=cursor, limit=limit
    )
    return Page[OrganisationRead](
        items=[OrganisationRead.model_validate(o) for o in page.items],
        next_cursor=page.next_cursor,
    )


@router.post(
    "/volunteer-organisations/{organisation_id}/members",
    response_model=MemberRead,
    summary="Join an organisation (staff: add a member or a leader)",
    responses=problem_responses(
        {403: "Leaders are named by staff", 404: "No such organisation", 409: "Another community's"}
    ),
)
async def join(
    session: DbSession,
    principal: CurrentPrincipal,
    organisation_id: uuid.UUID,
    member_in: MemberIn,
) -> MemberRead:
    """Joining again answers the membership as it is."""
    return await service.join(
        session, organisation_id=organisation_id, member_in=member_in, principal=principal
    )


@router.post(
    "/volunteer-activities",
    response_model=VolunteerActivityRead,
    status_code=201,
    summary="Put up a volunteer activity",
    responses=problem_responses(
        {
            403: "The community's staff or the team's leaders",
            404: "No such team",
            409: "The team is of another community",
            422: "Invalid",
        }
    ),
)
async def publish(
    session: DbSession, principal: CurrentPrincipal, activity_in: VolunteerActivityCreate
) -> VolunteerActivityRead:
    activity = await service.publish(session, activity_in=activity_in, principal=principal)
    return VolunteerActivityRead.model_validate(activity)


@router.get(
    "/volunteer-activities",
    response_model=Page[VolunteerActivityRead],
    summary="List volunteer activities",
    responses=problem_responses({403: "`division` outside your scope"}),
)
async def list_activities(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[VolunteerActivityRead]:
    page = await service.list_activities(
        session, principal=principal, division=division, cursor=cursor, limit=limit
    )
    return Page[VolunteerActivityRead](
        items=[VolunteerActivityRead.model_validate(a) for a in page.items],
        next_cursor=page.next_cursor,
    )


@router.post(
    "/volunteer-activities/{activity_id}/signups",
    response_model=SignupRead,
    status_code=201,
    summary="Sign up for a volunteer activity",
    responses=problem_responses(
        {403: _WHO, 404: _NOT_FOUND, 409: "Full, signed up already, or over"}
    ),
)
async def sign_up(
    session: DbSession, principal: CurrentPrincipal, activity_id: uuid.UUID, who: VolunteerIn
) -> SignupRead:
    return await service.sign_up(session, activity_id=activity_id, who=who, principal=principal)


@router.post(
    "/volunteer-activities/{activity_id}/check-ins",
    response_model=SignupRead,
    summary="Check in at a volunteer activity",
    responses=problem_responses(
        {403: _WHO, 404: _NOT_FOUND, 409: "Not signed up, or checked in already", 422: "Bad `at`"}
    ),
)
async def check_in(
    session: DbSession, principal: CurrentPrincipal, activity_id: uuid.UUID, who: VolunteerIn
) -> SignupRead:
    """Now, or (the organiser, from the paper sheet) at `at`."""
    return await service.check_in(session, activity_id=activity_id, who=who, principal=principal)


@router.post(
    "/volunteer-activities/{activity_id}/check-outs",
    response_model=CheckOutRead,
    summary="Check out: records the service hours",
    responses=problem_responses(
        {
            403: _WHO,
            404: _NOT_FOUND,
            409: "Not checked in, checked out already, or hours recorded already",
            422: "Under a minute or over a day since the check-in",
        }
    ),
)
async def check_out(
    session: DbSession, principal: CurrentPrincipal, activity_id: uuid.UUID, who: VolunteerIn
) -> CheckOutRead:
    """The whole minutes since the check-in become the volunteer's service hours."""
    return await service.check_out(session, activity_id=activity_id, who=who, principal=principal)


@router.post(
    "/volunteer-activities/{activity_id}/hours",
    response_model=HoursRead,
    status_code=201,
    summary="Record a volunteer's hours (the organiser)",
    responses=problem_responses(
        {
            403: "The activity's organiser only",
            404: _NOT_FOUND + " (or the resident)",
            409: "Not signed up, or recorded already",
            422: "Invalid minutes",
        }
    ),
)
async def record_hours(
    session: DbSession, principal: CurrentPrincipal, activity_id: uuid.UUID, hours_in: HoursIn
) -> HoursRead:
    return await service.record_hours(
        session, activity_id=activity_id, hours_in=hours_in, principal=principal
    )


@router.get(
    "/volunteer-hours",
    response_model=VolunteerHours,
    summary="A volunteer's total and history",
    responses=problem_responses({403: "Residents read their own", 404: "No such resident"}),
)
async def volunteer_hours(
    session: DbSession,
    principal: CurrentPrincipal,
    resident_id: Annotated[uuid.UUID | None, Query(description="Staff: whose hours")] = None,
) -> VolunteerHours:
    """`total_minutes` is the sum of every record of the volunteer's history."""
    return await service.volunteer_hours(session, resident_id=resident_id, principal=principal)


@router.get(
    "/volunteer-ranking",
    response_model=Ranking,
    summary="The community's volunteers by service hours",
    responses=problem_responses({403: "Another community"}),
)
async def ranking(
    session: DbSession,
    principal: CurrentPrincipal,
    community_code: Annotated[
        CommunityCodeStr | None, Query(description="Defaults to your community")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Ranking:
    return await service.ranking(
        session, community_code=community_code, principal=principal, limit=limit
    )
