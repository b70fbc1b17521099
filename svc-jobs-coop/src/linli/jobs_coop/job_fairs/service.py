"""Business rules of job fairs (招聘会): coordinators hold them, enterprises join with their
openings, pool members register, coordinators record who met whom and what came of it."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.conflicts import insert_or_conflict
from linli.common.errors import Forbidden
from linli.common.outbox import events_of
from linli.jobs_coop.access import member_of, require_coordinator
from linli.jobs_coop.enterprises.errors import EnterpriseNotFound
from linli.jobs_coop.job_fairs.errors import FairConflict, FairNotFound
from linli.jobs_coop.job_fairs.events import (
    FairEnterpriseJoined,
    FairMatched,
    FairOutcomeRecorded,
    FairRegistered,
    JobFairCreated,
)
from linli.jobs_coop.job_fairs.repository import FairRepository
from linli.jobs_coop.job_fairs.schemas import (
    FairCreate,
    FairEnterpriseIn,
    FairEnterpriseRead,
    FairMatchRead,
    FairRead,
    MatchIn,
    OutcomeIn,
    RegistrationIn,
)
from linli.jobs_coop.models import (
    Enterprise,
    FairEnterprise,
    FairMatch,
    FairRegistration,
    JobFair,
    MatchOutcome,
    Member,
)
from linli.jobs_coop.pool.errors import MemberNotFound


async def _fair(session: AsyncSession, principal: Principal, fair_id: uuid.UUID) -> JobFair:
    fair = await FairRepository(session).get(fair_id)
    if fair is None or not principal.covers(fair.community_code):
        raise FairNotFound()
    return fair


async def create(session: AsyncSession, *, principal: Principal, fair_in: FairCreate) -> FairRead:
    require_coordinator(principal)
    principal.require_scope(fair_in.community_code)
    fair = JobFair(**fair_in.model_dump())
    session.add(fair)
    await session.flush()
    await events_of(session).record(
        JobFairCreated(
            community_code=fair.community_code,
            fair_id=fair.id,
            title=fair.title,
            held_on=fair.held_on,
        ),
        subject_id=fair.id,
    )
    return await read(session, fair)


async def get(session: AsyncSession, *, principal: Principal, fair_id: uuid.UUID) -> FairRead:
    return await read(session, await _fair(session, principal, fair_id))


async def add_enterprise(
    session: AsyncSession,
    *,
    principal: Principal,
    fair_id: uuid.UUID,
    enterprise_in: FairEnterpriseIn,
) -> FairRead:
    require_coordinator(principal)
    fair = await _fair(session, principal, fair_id)
    enterprise = await session.get(Enterprise, enterprise_in.enterprise_id)
    if enterprise is None or not principal.covers(enterprise.community_code):
        raise EnterpriseNotFound()
    row = FairEnterprise(fair_id=fair.id, **enterprise_in.model_dump())
    if await insert_or_conflict(session, row):
        raise FairConflict("the enterprise is at this fair already")
    await events_of(session).record(
        FairEnterpriseJoined(
            community_code=fair.community_code,
            fair_id=fair.id,
            enterprise_id=enterprise.id,
            openings=row.openings,
        ),
        subject_id=fair.id,
    )
    return await read(session, fair)


async def register(
    session: AsyncSession,
    *,
    principal: Principal,
    fair_id: uuid.UUID,
    registration_in: RegistrationIn,
) -> FairRead:
    """A pool member registers themselves, or a coordinator registers them."""
    fair = await FairRepository(session).get(fair_id)
    if fair is None:
        raise FairNotFound()
    member: Member | None
    if registration_in.member_id is None:
        member = await member_of(session, principal)
        if member is None:
            raise Forbidden("only a pool member registers (a coordinator names member_id)")
    else:
        require_coordinator(principal)
        member = await session.get(Member, registration_in.member_id)
        if member is None or not principal.covers(member.community_code):
            raise MemberNotFound()
    if member.community_code != fair.community_code:
        raise FairNotFound()
    if await insert_or_conflict(session, FairRegistration(fair_id=fair.id, member_id=member.id)):
        raise FairConflict("registered already")
    await events_of(session).record(
        FairRegistered(community_code=fair.community_code, fair_id=fair.id, member_id=member.id),
        subject_id=fair.id,
    )
    return await read(session, fair)


async def match(
    session: AsyncSession, *, principal: Principal, fair_id: uuid.UUID, match_in: MatchIn
) -> FairMatchRead:
    require_coordinator(principal)
    fair = await _fair(session, principal, fair_id)
    if await session.get(FairEnterprise, (fair.id, match_in.enterprise_id)) is None:
        raise FairConflict("the enterprise is not at this fair")
    if await session.get(FairRegistration, (fair.id, match_in.member_id)) is None:
        raise FairConflict("the member is not registered for this fair")
    row = FairMatch(
        fair_id=fair.id, enterprise_id=match_in.enterprise_id, member_id=match_in.member_id
    )
    if await insert_or_conflict(session, row):
        raise FairConflict("matched already")
    await events_of(session).record(
        FairMatched(
            community_code=fair.community_code,
            fair_id=fair.id,
            match_id=row.id,
            enterprise_id=row.enterprise_id,
            member_id=row.member_id,
        ),
        subject_id=fair.id,
    )
    return _match_read(row)


async def record_outcome(
    session: AsyncSession, *, principal: Principal, match_id: uuid.UUID, outcome_in: OutcomeIn
) -> FairMatchRead:
    require_coordinator(principal)
    row = await FairRepository(session).match(match_id, for_update=True)
    if row is None:
        raise FairNotFound()
    fair = await _fair(session, principal, row.fair_id)
    row.outcome = outcome_in.outcome
    await session.flush()
    await events_of(session).record(
        FairOutcomeRecorded(
            community_code=fair.community_code,
            fair_id=fair.id,
            match_id=row.id,
            outcome=row.outcome,
        ),
        subject_id=fair.id,
    )
    return _match_read(row)


async def read(session: AsyncSession, fair: JobFair) -> FairRead:
    repository = FairRepository(session)
    matches = await repository.matches(fair.id)
    return FairRead(
        id=fair.id,
        community_code=fair.community_code,
        title=fair.title,
        held_on=fair.held_on,
        place=fair.place,
        enterprises=[
            FairEnterpriseRead(
                enterprise_id=e.enterprise_id, openings=e.openings, positions=e.positions
            )
            for e in await repository.enterprises(fair.id)
        ],
        registrations=await repository.registrations(fair.id),
        matches=[_match_read(m) for m in matches],
        hired=sum(1 for m in matches if m.outcome is MatchOutcome.HIRED),
    )


def _match_read(row: FairMatch) -> FairMatchRead:
    return FairMatchRead(
        id=row.id, enterprise_id=row.enterprise_id, member_id=row.member_id, outcome=row.outcome
    )
