"""HTTP API of campaigns: `/campaigns`, their slots, contacts, coverage and unreached list."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.grid.campaigns import service
from linli.grid.campaigns.schemas import (
    Building,
    CampaignCreate,
    CampaignHouseholdRead,
    CampaignRead,
    ContactIn,
    ContactRead,
    Coverage,
    DoorToDoorIn,
    ScheduleIn,
    ScheduleResult,
    SlotChoice,
    SlotCreate,
    SlotRead,
    UnreachedFormat,
    UnreachedRead,
    UnreachedReason,
)
from linli.grid.models import CampaignStatus

router = APIRouter(prefix="/campaigns", tags=["campaigns"], route_class=IdempotentRoute)

_NOT_FOUND = "No such campaign, or not one of your scope"
_HOUSEHOLD = "No such campaign, or the household is not in it (or not in your part of it)"
_STAFF = "Street or community staff of the campaign's scope only"
BuildingQuery = Annotated[Building | None, Query(description="A building as addresses name it")]


@router.post(
    "",
    response_model=CampaignRead,
    status_code=201,
    summary="Start a campaign",
    responses=problem_responses(
        {403: "Not staff, or a scope you do not hold", 422: "Invalid body or window"}
    ),
)
async def start(
    session: DbSession, principal: CurrentPrincipal, campaign_in: CampaignCreate
) -> CampaignRead:
    """Start a campaign (全员排查) over every household of a street or community as the roster
    holds them now; households that join the scope while it runs are added as they arrive.
    Households of mobility-impaired residents or of the elderly living alone are visited door to
    door by a grid worker of their grid; the others are scheduled into station slots by building."""
    campaign = await service.start(session, campaign_in=campaign_in, principal=principal)
    return CampaignRead.model_validate(campaign)


@router.get(
    "",
    response_model=Page[CampaignRead],
    summary="List campaigns",
    responses=problem_responses({403: "Not staff, or a division outside your scope"}),
)
async def list_campaigns(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    status: CampaignStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[CampaignRead]:
    """Campaigns of the division (and of the street above a community), newest first."""
    page = await service.list_campaigns(
        session, principal=principal, division=division, status=status, cursor=cursor, limit=limit
    )
    return Page[CampaignRead](
        items=[CampaignRead.model_validate(c) for c in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/{campaign_id}",
    response_model=CampaignRead,
    summary="Get a campaign",
    responses=problem_responses({403: "Not staff", 404: _NOT_FOUND}),
)
async def get(
    session: DbSession, principal: CurrentPrincipal, campaign_id: uuid.UUID
) -> CampaignRead:
    campaign, _ = await service.visible(session, principal, campaign_id)
    return CampaignRead.model_validate(campaign)


@router.post(
    "/{campaign_id}/complete",
    response_model=CampaignRead,
    summary="Complete a campaign",
    responses=problem_responses({403: _STAFF, 404: _NOT_FOUND, 409: "Completed already"}),
)
async def complete(
    session: DbSession, principal: CurrentPrincipal, campaign_id: uuid.UUID
) -> CampaignRead:
    """Close the campaign before its window ends (it closes by itself when it does)."""
    campaign = await service.complete(session, campaign_id=campaign_id, principal=principal)
    return CampaignRead.model_validate(campaign)


@router.get(
    "/{campaign_id}/coverage",
    response_model=Coverage,
    summary="Coverage of a campaign",
    responses=problem_responses({403: "Not staff", 404: _NOT_FOUND}),
)
async def coverage(
    session: DbSession, principal: CurrentPrincipal, campaign_id: uuid.UUID
) -> Coverage:
    """Reached / total households and residents, whole and per community, grid, court and
    building, exact at this moment. A community's staff see their community's part of a
    street's campaign."""
    return await service.coverage(session, campaign_id=campaign_id, principal=principal)


@router.get(
    "/{campaign_id}/unreached",
    response_model=Page[UnreachedRead],
    summary="Households not reached yet",
    responses={
        200: {"content": {"text/csv": {}}},
        **problem_responses({403: "Not staff, or a division outside your part", 404: _NOT_FOUND}),
    },
)
async def unreached(
    session: DbSession,
    principal: CurrentPrincipal,
    campaign_id: uuid.UUID,
    division: DivisionFilter = None,
    grid_id: uuid.UUID | None = None,
    building: BuildingQuery = None,
    reason: UnreachedReason | None = None,
    format: Annotated[UnreachedFormat, Query(description="`csv`: all of them, not paged")] = "json",
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[UnreachedRead] | Response:
    """Exactly the households of the campaign not reached yet, by community and address, each
    with why: `not_scheduled`, `missed_slot`, `not_at_home_twice`, `door_to_door_pending`,
    `not_at_home`, `refused`, `moved_away`, or `scheduled` (its slot is still to come).
    `format=csv` exports the whole filtered list for the people going door to door (UTF-8
    with a BOM, which spreadsheet programs need to read Chinese)."""
    page = await service.unreached(
        session,
        campaign_id=campaign_id,
        principal=principal,
        division=division,
        grid_id=grid_id,
        building=building,
        reason=reason,
        cursor=cursor,
        limit=None if format == "csv" else limit,
    )
    if format == "csv":
        return Response(
            "\ufeff" + service.as_csv(page.items),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="campaign-{campaign_id}-unreached.csv"'
            },
        )
    return page


@router.post(
    "/{campaign_id}/slots",
    response_model=SlotRead,
    status_code=201,
    summary="Open a station slot for a building",
    responses=problem_responses(
        {403: _STAFF, 404: _NOT_FOUND, 409: "Completed", 422: "Invalid body"}
    ),
)
async def add_slot(
    session: DbSession, principal: CurrentPrincipal, campaign_id: uuid.UUID, slot_in: SlotCreate
) -> SlotRead:
    """A time at a station for one building's households, with its capacity; its households are
    reminded (`campaign.reminder_due`) an hour before it starts."""
    slot = await service.add_slot(
        session, campaign_id=campaign_id, slot_in=slot_in, principal=principal
    )
    return SlotRead.model_validate(slot)


@router.get(
    "/{campaign_id}/slots",
    response_model=list[SlotRead],
    summary="List a campaign's slots",
    responses=problem_responses({403: "Not staff", 404: _NOT_FOUND}),
)
async def list_slots(
    session: DbSession,
    principal: CurrentPrincipal,
    campaign_id: uuid.UUID,
    community_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
    building: BuildingQuery = None,
) -> list[SlotRead]:
    slots = await service.list_slots(
        session,
        campaign_id=campaign_id,
        community_code=community_code,
        building=building,
        principal=principal,
    )
    return [SlotRead.model_validate(s) for s in slots]


@router.post(
    "/{campaign_id}/schedule",
    response_model=ScheduleResult,
    summary="Schedule households into their building's slots",
    responses=problem_responses({403: _STAFF, 404: _NOT_FOUND, 409: "Completed"}),
)
async def schedule(
    session: DbSession, principal: CurrentPrincipal, campaign_id: uuid.UUID, schedule_in: ScheduleIn
) -> ScheduleResult:
    """Fill the free places of the community's (or one building's) slots with its station
    households that have none, in address order; each gets `campaign.slot_assigned`.
    Door-to-door households are never given a slot."""
    return await service.schedule_households(
        session, campaign_id=campaign_id, schedule_in=schedule_in, principal=principal
    )


@router.get(
    "/{campaign_id}/households/{household_id}",
    response_model=CampaignHouseholdRead,
    summary="A household in a campaign",
    responses=problem_responses({403: "Not staff", 404: _HOUSEHOLD}),
)
async def get_household(
    session: DbSession, principal: CurrentPrincipal, campaign_id: uuid.UUID, household_id: uuid.UUID
) -> CampaignHouseholdRead:
    return await service.get_household(
        session, campaign_id=campaign_id, household_id=household_id, principal=principal
    )


@router.put(
    "/{campaign_id}/households/{household_id}/slot",
    response_model=CampaignHouseholdRead,
    summary="Give or move a household's slot",
    responses=problem_responses(
        {
            403: _STAFF,
            404: f"{_HOUSEHOLD}, or no such slot",
            409: "The slot is full, the household is door-to-door or reached, or the campaign completed",
            422: "The slot is another building's",
        }
    ),
)
async def assign_slot(
    session: DbSession,
    principal: CurrentPrincipal,
    campaign_id: uuid.UUID,
    household_id: uuid.UUID,
    choice: SlotChoice,
) -> CampaignHouseholdRead:
    household = await service.assign_slot(
        session,
        campaign_id=campaign_id,
        household_id=household_id,
        slot_id=choice.slot_id,
        principal=principal,
    )
    return await service.read_household(session, household)


@router.put(
    "/{campaign_id}/households/{household_id}/door-to-door",
    response_model=CampaignHouseholdRead,
    summary="Visit a household at its door",
    responses=problem_responses(
        {403: _STAFF, 404: _HOUSEHOLD, 409: "Completed", 422: "Not a worker of its grid"}
    ),
)
async def door_to_door(
    session: DbSession,
    principal: CurrentPrincipal,
    campaign_id: uuid.UUID,
    household_id: uuid.UUID,
    door_in: DoorToDoorIn,
) -> CampaignHouseholdRead:
    """The household is visited at its door by this grid worker of its grid (or handed to
    another one); a slot it held is freed."""
    household = await service.set_door_to_door(
        session,
        campaign_id=campaign_id,
        household_id=household_id,
        door_in=door_in,
        principal=principal,
    )
    return await service.read_household(session, household)


@router.post(
    "/{campaign_id}/contacts",
    response_model=ContactRead,
    status_code=201,
    summary="Record a contact with a household",
    responses=problem_responses(
        {
            403: "Grid workers, community workers and volunteers only",
            404: _HOUSEHOLD,
            409: "The campaign is completed",
            422: "Invalid body",
        }
    ),
)
async def record_contact(
    session: DbSession, principal: CurrentPrincipal, campaign_id: uuid.UUID, contact_in: ContactIn
) -> ContactRead:
    """What happened at the door or at the station: `reached`, `not_at_home`, `refused` or
    `moved_away`. A `reached` on a business day (Asia/Shanghai) the household has no round on
    is a new round (`campaign.household_reached` with its `round`): the first counts the
    household and its residents as reached in the coverage, the campaign's `rounds_required`-th
    as goal met (`campaign.household_goal_met`). A second `reached` the same day is kept but
    counts nothing.
    Send an `Idempotency-Key` so that a retry from a weak signal is recorded once."""
    contact, first, round_ = await service.record_contact(
        session,
        campaign_id=campaign_id,
        household_id=contact_in.household_id,
        outcome=contact_in.outcome,
        place=contact_in.place,
        note=contact_in.note,
        principal=principal,
    )
    return ContactRead(
        id=contact.id,
        household_id=contact.household_id,
        outcome=contact.outcome,
        place=contact.place,
        at=contact.at,
        first_reach=first,
        round=round_,
    )


@router.get(
    "/{campaign_id}/my-household",
    response_model=CampaignHouseholdRead,
    summary="My household's slot",
    responses=problem_responses(
        {403: "Residents only", 404: "No such campaign, or your household is not in it"}
    ),
)
async def my_household(
    session: DbSession, principal: CurrentPrincipal, campaign_id: uuid.UUID
) -> CampaignHouseholdRead:
    """For a resident: their household's slot (time and station), or that a grid worker will
    come to the door."""
    return await service.my_household(session, campaign_id=campaign_id, principal=principal)


@router.put(
    "/{campaign_id}/my-household/slot",
    response_model=CampaignHouseholdRead,
    summary="Move my household's slot",
    responses=problem_responses(
        {
            403: "Residents only",
            404: "No such campaign or slot, or your household is not in it",
            409: "The slot is full, your household is visited at its door, or was reached",
            422: "The slot is another building's",
        }
    ),
)
async def move_my_slot(
    session: DbSession, principal: CurrentPrincipal, campaign_id: uuid.UUID, choice: SlotChoice
) -> CampaignHouseholdRead:
    """Ask to move to another slot of your building: granted at once when it has room."""
    return await service.move_my_slot(
        session, campaign_id=campaign_id, slot_id=choice.slot_id, principal=principal
    )
