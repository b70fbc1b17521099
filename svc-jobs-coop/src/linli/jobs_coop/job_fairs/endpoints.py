"""HTTP of job fairs: events, enterprises, registrations, matches and outcomes."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.jobs_coop.job_fairs import service
from linli.jobs_coop.job_fairs.schemas import (
    FairCreate,
    FairEnterpriseIn,
    FairMatchRead,
    FairRead,
    MatchIn,
    OutcomeIn,
    RegistrationIn,
)

router = APIRouter(tags=["job fairs"], route_class=IdempotentRoute)

_ANSWERS = problem_responses(
    {
        403: "Only coordinators of the fair's community (a member registers themselves)",
        404: "No such fair, enterprise, member or match within your reach",
        409: "Already there, or someone not at the fair",
        422: "Invalid fields (each listed)",
    }
)


@router.post(
    "/job-fairs", response_model=FairRead, status_code=status.HTTP_201_CREATED, responses=_ANSWERS
)
async def create_fair(
    session: DbSession, principal: CurrentPrincipal, fair_in: FairCreate
) -> FairRead:
    """Hold a job fair (招聘会) in a community."""
    return await service.create(session, principal=principal, fair_in=fair_in)


@router.get("/job-fairs/{fair_id}", response_model=FairRead, responses=_ANSWERS)
async def get_fair(session: DbSession, principal: CurrentPrincipal, fair_id: uuid.UUID) -> FairRead:
    """A fair with its enterprises, registrations, matches and how many were hired."""
    return await service.get(session, principal=principal, fair_id=fair_id)


@router.post("/job-fairs/{fair_id}/enterprises", response_model=FairRead, responses=_ANSWERS)
async def add_enterprise(
    session: DbSession,
    principal: CurrentPrincipal,
    fair_id: uuid.UUID,
    enterprise_in: FairEnterpriseIn,
) -> FairRead:
    """An enterprise recruits at the fair with its openings."""
    return await service.add_enterprise(
        session, principal=principal, fair_id=fair_id, enterprise_in=enterprise_in
    )


@router.post("/job-fairs/{fair_id}/registrations", response_model=FairRead, responses=_ANSWERS)
async def register(
    session: DbSession,
    principal: CurrentPrincipal,
    fair_id: uuid.UUID,
    registration_in: RegistrationIn,
) -> FairRead:
    """A pool member registers to attend (or a coordinator registers them)."""
    return await service.register(
        session, principal=principal, fair_id=fair_id, registration_in=registration_in
    )


@router.post(
    "/job-fairs/{fair_id}/matches",
    response_model=FairMatchRead,
    status_code=status.HTTP_201_CREATED,
    responses=_ANSWERS,
)
async def match(
    session: DbSession, principal: CurrentPrincipal, fair_id: uuid.UUID, match_in: MatchIn
) -> FairMatchRead:
    """Record that a registered member and an enterprise at the fair were matched."""
    return await service.match(session, principal=principal, fair_id=fair_id, match_in=match_in)


@router.put("/fair-matches/{match_id}/outcome", response_model=FairMatchRead, responses=_ANSWERS)
async def record_outcome(
    session: DbSession, principal: CurrentPrincipal, match_id: uuid.UUID, outcome_in: OutcomeIn
) -> FairMatchRead:
    """What came of a match: hired or declined."""
    return await service.record_outcome(
        session, principal=principal, match_id=match_id, outcome_in=outcome_in
    )
