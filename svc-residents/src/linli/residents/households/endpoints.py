"""HTTP of the registry: households and residents (一户一表)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.dependencies import Cipher, RequestId
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.residents.ages import AgeBand, DerivedTag, today_in_shanghai
from linli.residents.households import residents, service
from linli.residents.households.schemas import (
    Deletion,
    HouseholdCreate,
    HouseholdRead,
    HouseholdUpdate,
    ResidentCreate,
    ResidentRead,
    ResidentUpdate,
)
from linli.residents.identity import IdNumberStr, MobilePhoneStr
from linli.residents.models import StoredTag

households_router = APIRouter(
    prefix="/households", tags=["households"], route_class=IdempotentRoute
)
residents_router = APIRouter(prefix="/residents", tags=["residents"], route_class=IdempotentRoute)

_WRITE = {403: "Only community workers change the registry"}
_LIST = problem_responses(
    {
        403: "Your role may not list the registry, or `division` lies outside your scope",
        422: "A filter is invalid, or the cursor is not one we gave",
    }
)


# --- households ----------------------------------------------------------------------------------


@households_router.post(
    "",
    response_model=HouseholdRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: "Only community workers create households, in communities of their scope",
            404: "No such dwelling within your scope",
            409: "The dwelling already has a household",
            422: "Invalid fields, an unknown community, or a grid of another community",
        }
    ),
)
async def create_household(
    session: DbSession, principal: CurrentPrincipal, household_in: HouseholdCreate
) -> HouseholdRead:
    """Found a household in a dwelling, named by id or by community and address (building, unit
    and dwelling are created when missing). Send an `Idempotency-Key`."""
    household = await service.create_household(
        session, principal=principal, household_in=household_in
    )
    return HouseholdRead.from_model(household, members=[])


@households_router.get("", response_model=Page[HouseholdRead], responses=_LIST)
async def list_households(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    grid_id: Annotated[uuid.UUID | None, Query()] = None,
    building_id: Annotated[uuid.UUID | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[HouseholdRead]:
    """Live households of a division, in community order; a grid worker sees their grids'."""
    return await service.list_households(
        session,
        principal=principal,
        division=division,
        grid_id=grid_id,
        building_id=building_id,
        cursor=cursor,
        limit=limit,
    )


@households_router.get(
    "/{household_id:uuid}",
    response_model=HouseholdRead,
    responses=problem_responses(
        {403: "Your role may not read households", 404: "No such household that you may see"}
    ),
)
async def get_household(
    session: DbSession, principal: CurrentPrincipal, household_id: uuid.UUID
) -> HouseholdRead:
    """A household with its members (masked). Residents see the household they live in."""
    return await service.get_household(session, principal=principal, household_id=household_id)


@households_router.patch(
    "/{household_id:uuid}",
    response_model=HouseholdRead,
    responses=problem_responses(
        {
            **_WRITE,
            404: "No such household within your scope",
            422: "The grid is not one of the household's community",
        }
    ),
)
async def update_household(
    session: DbSession,
    principal: CurrentPrincipal,
    household_id: uuid.UUID,
    household_in: HouseholdUpdate,
) -> HouseholdRead:
    """Assign the household (and its residents) to a grid, or to none (null)."""
    household = await service.update_household(
        session, principal=principal, household_id=household_id, household_in=household_in
    )
    return HouseholdRead.from_model(household)


@households_router.delete(
    "/{household_id:uuid}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(
        {
            **_WRITE,
            404: "No such household within your scope",
            409: "The household still has residents",
        }
    ),
)
async def delete_household(
    session: DbSession, principal: CurrentPrincipal, household_id: uuid.UUID, deletion: Deletion
) -> Response:
    """Delete an empty household (kept as history, out of every list), with a reason."""
    await service.delete_household(
        session, principal=principal, household_id=household_id, deletion=deletion
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- residents -----------------------------------------------------------------------------------


@residents_router.post(
    "",
    response_model=ResidentRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: "Only community workers enter residents, in communities of their scope",
            404: "No such household within your scope",
            409: "A resident with this ID number is already registered, or a second `head` for "
            "the household",
            422: "Invalid fields (each listed), or an unknown community",
        }
    ),
)
async def create_resident(
    session: DbSession, principal: CurrentPrincipal, cipher: Cipher, resident_in: ResidentCreate
) -> ResidentRead:
    """Enter a resident into a household (`household_id`), or at an address (`community_code` and
    `address`: the household is founded when the dwelling has none). ID number checked; sex and
    birth date follow from it. A household has one head: a second `relation_to_head: head` is
    refused with 409 `household-has-head` (change the current head's relation first). Send an
    `Idempotency-Key`."""
    resident = await residents.create_resident(
        session, principal=principal, cipher=cipher, resident_in=resident_in
    )
    return ResidentRead.from_model(resident, today=today_in_shanghai())


@residents_router.get("", response_model=Page[ResidentRead], responses=_LIST)
async def list_residents(
    session: DbSession,
    principal: CurrentPrincipal,
    cipher: Cipher,
    division: DivisionFilter = None,
    tag: Annotated[
        StoredTag | DerivedTag | None,
        Query(description="A recorded tag, or `elderly` (60+) / `child` (under 18)"),
    ] = None,
    age_band: Annotated[AgeBand | None, Query(description="Age today in Shanghai")] = None,
    building_id: Annotated[uuid.UUID | None, Query()] = None,
    household_id: Annotated[uuid.UUID | None, Query()] = None,
    grid_id: Annotated[uuid.UUID | None, Query()] = None,
    name: Annotated[str | None, Query(max_length=50, description="Start of the name")] = None,
    id_number: Annotated[
        IdNumberStr | None, Query(description="Exact ID number, matched by its blind index")
    ] = None,
    phone: Annotated[
        MobilePhoneStr | None, Query(description="Exact phone, matched by its blind index")
    ] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ResidentRead]:
    """Search the registry of a division (default: your scope): by tag, age band, building,
    household, grid, name prefix, or an exact ID number or phone (found through the keyed blind
    index, never by decrypting). Masked; a grid worker sees the residents of their grids."""
    filters = residents.ResidentFilters(
        division=division,
        tag=tag,
        age_band=age_band,
        building_id=building_id,
        household_id=household_id,
        grid_id=grid_id,
        name=name,
        id_number=id_number,
        phone=phone,
    )
    return await residents.list_residents(
        session, principal=principal, cipher=cipher, filters=filters, cursor=cursor, limit=limit
    )


@residents_router.get(
    "/me",
    response_model=ResidentRead,
    responses=problem_responses(
        {403: "Only residents have a record of their own", 404: "No record linked yet"}
    ),
)
async def my_record(session: DbSession, principal: CurrentPrincipal) -> ResidentRead:
    """The caller's own record (masked), found by the token's `resident_id` or the account that
    registered it."""
    resident = await residents.my_record(session, principal=principal)
    return ResidentRead.from_model(resident, today=today_in_shanghai())


@residents_router.get(
    "/{resident_id:uuid}",
    response_model=ResidentRead,
    responses=problem_responses(
        {
            403: "Your role may not read residents, or `reveal=true` by a role other than "
            "community worker",
            404: "No such resident that you may see",
            422: "`reveal=true` without a `purpose`",
        }
    ),
)
async def get_resident(
    session: DbSession,
    principal: CurrentPrincipal,
    cipher: Cipher,
    request_id: RequestId,
    resident_id: uuid.UUID,
    reveal: Annotated[
        bool,
        Query(
            description="Community workers only: show the clear ID number and phone. Every such "
            "read is recorded with its purpose."
        ),
    ] = False,
    purpose: Annotated[
        str | None,
        Query(min_length=2, max_length=255, description="Why; required when reveal=true"),
    ] = None,
) -> ResidentRead:
    """One resident: staff whose scope (or grid) holds them, and the resident themself."""
    if reveal:
        return await residents.reveal_resident(
            session,
            principal=principal,
            cipher=cipher,
            resident_id=resident_id,
            purpose=purpose,
            request_id=request_id,
        )
    return await residents.get_resident(session, principal=principal, resident_id=resident_id)


@residents_router.patch(
    "/{resident_id:uuid}",
    response_model=ResidentRead,
    responses=problem_responses(
        {
            **_WRITE,
            404: "No such resident within your scope",
            409: "The new ID number belongs to another resident, or `head` for a household "
            "that has one",
            422: "Invalid fields, or null where a value is required",
        }
    ),
)
async def update_resident(
    session: DbSession,
    principal: CurrentPrincipal,
    cipher: Cipher,
    resident_id: uuid.UUID,
    resident_in: ResidentUpdate,
) -> ResidentRead:
    """Change the fields sent, and only those. `tags` replaces the recorded tags. Making a
    resident `head` of a household that has one is a 409 (`household-has-head`): change the
    current head's relation first."""
    resident = await residents.update_resident(
        session,
        principal=principal,
        cipher=cipher,
        resident_id=resident_id,
        resident_in=resident_in,
    )
    return ResidentRead.from_model(resident, today=today_in_shanghai())


@residents_router.delete(
    "/{resident_id:uuid}",
    status_code=204,
    response_class=Response,
    responses=problem_responses({**_WRITE, 404: "No such resident within your scope"}),
)
async def delete_resident(
    session: DbSession, principal: CurrentPrincipal, resident_id: uuid.UUID, deletion: Deletion
) -> Response:
    """Delete a resident, with a reason (deceased, duplicate, entered in error, other). The
    record is kept as history and leaves every list; the person may be entered again later."""
    await residents.delete_resident(
        session, principal=principal, resident_id=resident_id, deletion=deletion
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
