"""HTTP API of the household roster: `/roster/households`."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.grid.roster import service
from linli.grid.roster.schemas import HouseholdDetail, HouseholdRead

router = APIRouter(prefix="/roster", tags=["roster"])


@router.get(
    "/households",
    response_model=Page[HouseholdRead],
    summary="List roster households",
    responses=problem_responses(
        {
            403: "Your role may not read the roster, or `division` lies outside your scope",
            422: "`division` is not a 4, 6, 9 or 12-digit code, or the cursor is not ours",
        }
    ),
)
async def list_households(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[HouseholdRead]:
    """Households of the roster (户籍名册), ordered by community and address.

    The roster holds every household of the registry (deleted ones left out). For grid workers,
    community workers and street, district and city administrators. A `division` outside your
    scope is refused with 403.
    """
    return await service.list_households(
        session,
        principal=principal,
        division=division,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/households/{household_id}",
    response_model=HouseholdDetail,
    summary="Get a roster household",
    responses=problem_responses(
        {
            403: "Your role may not read the roster",
            404: "No such household within your scope",
        }
    ),
)
async def get_household(
    household_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal
) -> HouseholdDetail:
    """One household of the roster with its residents (names masked).

    A household outside your scope is answered 404, like one that does not exist.
    """
    return await service.get_household(session, principal=principal, household_id=household_id)
