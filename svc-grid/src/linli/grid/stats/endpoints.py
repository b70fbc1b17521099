"""HTTP of the grid's part of a resident's facts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.openapi import problem_responses
from linli.grid.stats import service
from linli.grid.stats.schemas import ReporterIncidents

router = APIRouter(prefix="/stats", tags=["statistics"])

Subjects = Annotated[
    list[Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9:_.\-]+$")]],
    Query(
        min_length=1,
        max_length=10,
        description="The resident's login subjects (the gateway's account ids), 1 to 10",
    ),
]


@router.get(
    "/reporters",
    response_model=ReporterIncidents,
    responses=problem_responses(
        {403: "Not staff of a level (or an auditor)", 422: "No subject, or more than 10"}
    ),
)
async def reporter_incidents(
    session: DbSession, principal: CurrentPrincipal, subject: Subjects
) -> ReporterIncidents:
    """The open incidents these subjects reported, newest first (at most 100), within your
    scope: for a community worker looking at one resident's facts."""
    return await service.reported_by(session, principal=principal, subjects=subject)
