"""HTTP of the cooperative's statistics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.openapi import problem_responses
from linli.common.pagination import DivisionFilter
from linli.jobs_coop.settlement.schemas import Month
from linli.jobs_coop.stats import service
from linli.jobs_coop.stats.schemas import CoopStats

router = APIRouter(tags=["statistics"])


@router.get(
    "/stats",
    response_model=CoopStats,
    responses=problem_responses({403: "Not staff, or a division outside your scope"}),
)
async def coop_stats(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    month: Annotated[Month | None, Query(description="YYYY-MM; default this month")] = None,
) -> CoopStats:
    """People in the pool and in work, orders open and done, and the month's income per
    worker, for a community, street, district or city: counted from live rows on every call."""
    return await service.stats(session, principal=principal, division=division, month=month)
