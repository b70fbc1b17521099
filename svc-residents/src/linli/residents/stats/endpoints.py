"""HTTP of the statistics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.divisions import DivisionCodeStr
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import ChildrenFlag
from linli.residents.stats import service
from linli.residents.stats.schemas import DivisionStats

router = APIRouter(prefix="/stats", tags=["stats"], route_class=IdempotentRoute)


@router.get(
    "",
    response_model=DivisionStats,
    # `children` is absent unless asked for.
    response_model_exclude_none=True,
    responses=problem_responses(
        {
            403: "Your role may not read statistics (residents), or `division` lies outside "
            "your scope",
            404: "No such division",
            422: "`division` is not a 4, 6, 9 or 12-digit code",
        }
    ),
)
async def division_stats(
    session: DbSession,
    principal: CurrentPrincipal,
    division: Annotated[
        DivisionCodeStr | None,
        Query(
            description="A community (12 digits), street (9), district (6) or city (4); defaults "
            "to your scope. Outside your scope: 403."
        ),
    ] = None,
    children: ChildrenFlag = False,
) -> DivisionStats:
    """Population, households, registrations waiting for review, residents per age band and per
    tag (recorded tags, and the derived `elderly` and `child`) of a division, live: the figures
    change in the same transaction as the registry, and a city's answer sums its communities'
    counters instead of counting its residents. With `children=true`, the same for every unit
    directly below it (a street's communities…), in this one call."""
    return await service.division_stats(
        session, principal=principal, division=division, children=children
    )
