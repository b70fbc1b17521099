"""HTTP of the cooperative's statistics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.openapi import problem_responses
from linli.common.pagination import ChildrenFlag, DivisionFilter
from linli.jobs_coop.settlement.schemas import Month
from linli.jobs_coop.stats import service
from linli.jobs_coop.stats.schemas import CoopStats, MembersOfSubjects

router = APIRouter(tags=["statistics"])


@router.get(
    "/stats",
    response_model=CoopStats,
    # `children` is absent unless asked for.
    response_model_exclude_none=True,
    responses=problem_responses(
        {
            403: "Not staff, or a division outside your scope",
            422: "`division` is not a division code, or `month` not YYYY-MM",
        }
    ),
)
async def coop_stats(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    month: Annotated[Month | None, Query(description="YYYY-MM; default this month")] = None,
    children: ChildrenFlag = False,
) -> CoopStats:
    """People in the pool and in work, orders open and done, and the month's income per
    worker, for a community, street, district or city: counted from live rows on every call.
    With `children=true`, the same for each unit one level below, in this one call."""
    return await service.stats(
        session, principal=principal, division=division, month=month, children=children
    )


Subjects = Annotated[
    list[Annotated[str, Query(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9:_.\-]+$")]],
    Query(
        min_length=1,
        max_length=10,
        description="The resident's login subjects (the gateway's account ids), 1 to 10",
    ),
]


@router.get(
    "/stats/members",
    response_model=MembersOfSubjects,
    responses=problem_responses(
        {403: "Not staff (or an auditor)", 422: "No subject, or more than 10"}
    ),
)
async def members_of_subjects(
    session: DbSession, principal: CurrentPrincipal, subject: Subjects
) -> MembersOfSubjects:
    """The pool memberships of these login subjects within your scope, with their open tasks and
    this month's income: for a community worker looking at one resident's facts."""
    return await service.members_of(session, principal=principal, subjects=subject)
