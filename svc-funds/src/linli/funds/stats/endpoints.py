"""HTTP of the funds' statistics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.openapi import problem_responses
from linli.common.pagination import ChildrenFlag, DivisionFilter
from linli.funds.caching import FundsRoute
from linli.funds.reports.schemas import Month
from linli.funds.stats import service
from linli.funds.stats.schemas import FundStats

router = APIRouter(tags=["statistics"], route_class=FundsRoute)


@router.get(
    "/stats",
    response_model=FundStats,
    # `children` is absent unless asked for.
    response_model_exclude_none=True,
    responses=problem_responses(
        {
            403: "Not staff of a level (or an auditor), or `division` outside your scope",
            422: "`division` is not a division code, or `month` not YYYY-MM",
        }
    ),
)
async def fund_stats(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    month: Annotated[
        Month | None, Query(description="YYYY-MM (Shanghai); default this month")
    ] = None,
    children: ChildrenFlag = False,
) -> FundStats:
    """How many funds a division and the divisions below it hold, their cash now, and what came in
    and went out in the month: counted from the ledger on every call. With `children=true`, the
    same for each unit one level below, in this one call."""
    return await service.stats(
        session, principal=principal, division=division, month=month, children=children
    )
