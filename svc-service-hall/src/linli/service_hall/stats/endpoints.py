"""HTTP of the hall's statistics and of a resident's cases for staff."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.openapi import problem_responses
from linli.common.pagination import ChildrenFlag, DivisionFilter
from linli.service_hall.stats import service
from linli.service_hall.stats.schemas import HallStats, ResidentHallFacts

router = APIRouter(prefix="/stats", tags=["statistics"])


@router.get(
    "",
    response_model=HallStats,
    # `children` is absent unless asked for.
    response_model_exclude_none=True,
    responses=problem_responses(
        {
            403: "Not staff of a level (or an auditor), or `division` outside your scope",
            422: "`division` is not a division code",
        }
    ),
)
async def hall_stats(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    children: ChildrenFlag = False,
) -> HallStats:
    """Applications open, completed and rejected, SLA breaches (承诺时限 missed), and 我要反映
    reports open and closed, for a community, street, district or city: counted from live rows.
    With `children=true`, the same for each unit one level below, in this one call."""
    return await service.stats(session, principal=principal, division=division, children=children)


@router.get(
    "/residents/{resident_id}",
    response_model=ResidentHallFacts,
    responses=problem_responses(
        {403: "Not staff of a level", 404: "No such resident within your scope"}
    ),
)
async def resident_facts(
    session: DbSession, principal: CurrentPrincipal, resident_id: uuid.UUID
) -> ResidentHallFacts:
    """One resident's open applications (with the item, the due date and whether it is overdue)
    and how many were completed, for the staff whose scope holds the resident."""
    return await service.resident_facts(session, principal=principal, resident_id=resident_id)
