"""HTTP of self-registration: submit from the mini-program, review by community workers."""

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
from linli.residents.models import RegistrationStatus
from linli.residents.registrations import service
from linli.residents.registrations.schemas import (
    RegistrationCreate,
    RegistrationRead,
    RegistrationReject,
)

router = APIRouter(prefix="/registrations", tags=["registrations"], route_class=IdempotentRoute)


_REVIEW_REFUSALS = problem_responses(
    {
        403: "Your role may not review registrations",
        404: "No such registration within your scope",
        409: "The registration was already approved or rejected, or the person is already a "
        "resident",
    }
)


@router.post(
    "",
    response_model=RegistrationRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: "Only residents register",
            409: "A registration with this ID number already waits in this community, the ID "
            "number is already a resident's, or a `head` registers for a household that has one",
            422: "A field is invalid (each is listed in `errors`), the community was never "
            "imported, or an Idempotency-Key was reused with another body",
        }
    ),
)
async def submit_registration(
    session: DbSession,
    principal: CurrentPrincipal,
    cipher: Cipher,
    registration_in: RegistrationCreate,
) -> RegistrationRead:
    """Self-registration (自主登记) of a resident, from the mini-program.

    A resident may register themselves or any member of their household; each registration
    waits (`pending`) until a worker of that community approves or rejects it. The ID number is
    checked (check character, birth date); sex and birth date are taken from it when left out.
    `consent` must be true. The answer shows ID number and phone masked.

    Refused with 409 at once, rather than left pending for an approval that cannot happen: an ID
    number that is already a resident's (`already-a-resident`; whose is not said), and
    `relation_to_head: head` for an address whose household already has a head
    (`household-has-head`: register with your relation to that head instead).

    Send an `Idempotency-Key` header so a retry after a lost answer does not register twice.
    """
    registration = await service.submit(
        session, principal=principal, cipher=cipher, registration_in=registration_in
    )
    return RegistrationRead.from_model(registration)


@router.get(
    "",
    response_model=Page[RegistrationRead],
    responses=problem_responses(
        {
            403: "Your role may not list registrations, or `division` lies outside your scope",
            422: "`division` is not a division code, or the cursor is not one we gave",
        }
    ),
)
async def list_registrations(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    status: Annotated[RegistrationStatus | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[RegistrationRead]:
    """Registrations for review, oldest first; for community workers and street, district and
    city admins. ID numbers and phones are masked."""
    return await service.list_registrations(
        session,
        principal=principal,
        division=division,
        status=status,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/{registration_id:uuid}",
    response_model=RegistrationRead,
    responses=problem_responses(
        {
            403: "`reveal=true` is for community workers only",
            404: "No such registration that you may see",
        }
    ),
)
async def get_registration(
    session: DbSession,
    principal: CurrentPrincipal,
    cipher: Cipher,
    request_id: RequestId,
    registration_id: uuid.UUID,
    reveal: Annotated[
        bool,
        Query(
            description="Community workers only: show the clear ID number and phone to check "
            "documents. Every such read is recorded."
        ),
    ] = False,
) -> RegistrationRead:
    """One registration: the resident who submitted it sees it, and so do reviewing staff whose
    scope covers its community; for anyone else it does not exist (404)."""
    if reveal:
        return await service.reveal(
            session,
            principal=principal,
            cipher=cipher,
            registration_id=registration_id,
            request_id=request_id,
        )
    registration = await service.get(session, principal=principal, registration_id=registration_id)
    return RegistrationRead.from_model(registration)


@router.post(
    "/{registration_id:uuid}/approve", response_model=RegistrationRead, responses=_REVIEW_REFUSALS
)
async def approve_registration(
    session: DbSession, principal: CurrentPrincipal, registration_id: uuid.UUID
) -> RegistrationRead:
    """Approve a pending registration: the person joins the household at the registered address
    (created if it is the first), and `resident_id` / `household_id` are filled in.

    For community workers and street, district and city admins whose scope covers the
    registration's community (others: 404). Already decided: 409.
    """
    registration = await service.approve(
        session, principal=principal, registration_id=registration_id
    )
    return RegistrationRead.from_model(registration)


@router.post(
    "/{registration_id:uuid}/reject",
    response_model=RegistrationRead,
    responses={
        **_REVIEW_REFUSALS,
        **problem_responses({422: "`reason` is missing, too long, or holds an ID or phone number"}),
    },
)
async def reject_registration(
    session: DbSession,
    principal: CurrentPrincipal,
    registration_id: uuid.UUID,
    reject_in: RegistrationReject,
) -> RegistrationRead:
    """Reject a pending registration with a reason the resident will read (no ID or phone numbers
    in it: it is published). Same roles and rules as approve."""
    registration = await service.reject(
        session, principal=principal, registration_id=registration_id, reject_in=reject_in
    )
    return RegistrationRead.from_model(registration)
