"""HTTP of the labour pool: enrol, read (as each caller may), change a profile, leave."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.dependencies import Cipher, RequestId
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.jobs_coop.pool import service
from linli.jobs_coop.pool.schemas import (
    AvailabilityIn,
    CertificateIn,
    MemberCreate,
    MemberRead,
    MemberUpdate,
    SkillsIn,
)
from linli.jobs_coop.text import Skill

router = APIRouter(prefix="/members", tags=["labour pool"], route_class=IdempotentRoute)

_CHANGE = problem_responses(
    {
        403: "Only the member or a coordinator of their community changes a profile",
        404: "No such member within your reach",
        409: "The member has left the pool",
        422: "Invalid fields (each listed)",
    }
)


@router.post(
    "",
    response_model=MemberRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: "A resident not yet registered, or staff outside their scope",
            409: "This phone number or login is in the pool already",
            422: "Invalid fields (each listed), or no consent",
        }
    ),
)
async def enrol(
    session: DbSession, principal: CurrentPrincipal, cipher: Cipher, member_in: MemberCreate
) -> MemberRead:
    """Join the labour pool (劳动力资源库): a registered resident enrols themselves, or a
    community worker enrols someone after the 摸排 survey, with skills, weekly availability
    windows (Asia/Shanghai) and what enterprises may see. Send an `Idempotency-Key`."""
    return await service.enrol(session, principal=principal, member_in=member_in, cipher=cipher)


@router.get(
    "",
    response_model=Page[MemberRead],
    responses=problem_responses(
        {403: "Not staff or an enterprise, or a division outside your reach"}
    ),
)
async def list_members(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    skill: Annotated[Skill | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[MemberRead]:
    """Pool members of a division (staff), or of the enterprise's community (an enterprise:
    names masked, phone and address only as each member allowed)."""
    return await service.list_members(
        session, principal=principal, division=division, skill=skill, cursor=cursor, limit=limit
    )


@router.get("/me", response_model=MemberRead, responses=problem_responses({404: "Not in the pool"}))
async def my_profile(session: DbSession, principal: CurrentPrincipal, cipher: Cipher) -> MemberRead:
    """The caller's own place in the pool, in clear."""
    return await service.get_own(session, principal=principal, cipher=cipher)


@router.get(
    "/{member_id}",
    response_model=MemberRead,
    responses=problem_responses(
        {
            403: "Only community staff reveal a phone",
            404: "No such member within your reach",
            422: "reveal without a purpose",
        }
    ),
)
async def get_member(
    session: DbSession,
    principal: CurrentPrincipal,
    cipher: Cipher,
    request_id: RequestId,
    member_id: uuid.UUID,
    reveal: Annotated[bool, Query(description="Staff: show the clear phone (audited)")] = False,
    purpose: Annotated[str | None, Query(max_length=200)] = None,
) -> MemberRead:
    """One member. An enterprise sees the clear phone and the address only when the member
    shared them; staff see the phone with `reveal=true&purpose=…`, and the read is audited."""
    return await service.get_member(
        session,
        principal=principal,
        member_id=member_id,
        cipher=cipher,
        reveal=reveal,
        purpose=purpose,
        request_id=request_id,
    )


@router.patch("/{member_id}", response_model=MemberRead, responses=_CHANGE)
async def update_member(
    session: DbSession, principal: CurrentPrincipal, member_id: uuid.UUID, member_in: MemberUpdate
) -> MemberRead:
    """Change the address, work mode, or what enterprises may see (the member's own choice)."""
    return await service.update_member(
        session, principal=principal, member_id=member_id, member_in=member_in
    )


@router.put("/{member_id}/skills", response_model=MemberRead, responses=_CHANGE)
async def replace_skills(
    session: DbSession, principal: CurrentPrincipal, member_id: uuid.UUID, skills_in: SkillsIn
) -> MemberRead:
    """Replace the declared skills; skills certified by training stay."""
    return await service.replace_skills(
        session, principal=principal, member_id=member_id, skills_in=skills_in
    )


@router.put("/{member_id}/availability", response_model=MemberRead, responses=_CHANGE)
async def replace_availability(
    session: DbSession,
    principal: CurrentPrincipal,
    member_id: uuid.UUID,
    windows_in: AvailabilityIn,
) -> MemberRead:
    """Replace the weekly availability windows (Asia/Shanghai): matching offers work only
    inside them."""
    return await service.replace_availability(
        session, principal=principal, member_id=member_id, windows_in=windows_in
    )


@router.post(
    "/{member_id}/certificates",
    response_model=MemberRead,
    status_code=status.HTTP_201_CREATED,
    responses=_CHANGE,
)
async def add_certificate(
    session: DbSession,
    principal: CurrentPrincipal,
    member_id: uuid.UUID,
    certificate_in: CertificateIn,
) -> MemberRead:
    """Record a certificate the member brings along (staff): it certifies the skill."""
    return await service.add_certificate(
        session, principal=principal, member_id=member_id, certificate_in=certificate_in
    )


@router.post("/{member_id}/withdraw", response_model=MemberRead, responses=_CHANGE)
async def withdraw(
    session: DbSession, principal: CurrentPrincipal, member_id: uuid.UUID
) -> MemberRead:
    """Leave the pool; past work and pay stay on record."""
    return await service.withdraw(session, principal=principal, member_id=member_id)
