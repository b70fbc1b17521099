"""HTTP of committees: seats and terms, set by the fund's staff, public without the accounts."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.openapi import problem_responses
from linli.funds.caching import PUBLIC, FundsRoute
from linli.funds.committees import service
from linli.funds.committees.schemas import MemberCreate, MemberRead, TermUpdate

router = APIRouter(prefix="/funds/{fund_id}/committee", tags=["committees"], route_class=FundsRoute)

_MANAGE = "Only community workers and street, district or city admins seat committee members"


@router.post(
    "",
    response_model=MemberRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: _MANAGE,
            404: "No such fund within your scope",
            409: "The account holds a seat already",
            422: "Invalid fields (each listed)",
        }
    ),
)
async def appoint(
    session: DbSession, principal: CurrentPrincipal, fund_id: uuid.UUID, member_in: MemberCreate
) -> MemberRead:
    """Seat a donor or resident representative on the fund's committee for a term. Send an
    `Idempotency-Key`."""
    return await service.appoint(session, principal=principal, fund_id=fund_id, member_in=member_in)


@router.get(
    "",
    response_model=list[MemberRead],
    responses=problem_responses({404: "No such fund"}, authenticated=False),
    openapi_extra=PUBLIC,
)
async def list_members(session: DbSession, fund_id: uuid.UUID) -> list[MemberRead]:
    """The committee, past and present terms; public (names as shown, never the accounts)."""
    return await service.list_members(session, fund_id=fund_id)


@router.patch(
    "/{member_id}",
    response_model=MemberRead,
    responses=problem_responses(
        {
            403: _MANAGE,
            404: "No such fund or member within your scope",
            422: "Invalid fields, or an end before the term's start",
        }
    ),
)
async def change_term(
    session: DbSession,
    principal: CurrentPrincipal,
    fund_id: uuid.UUID,
    member_id: uuid.UUID,
    term_in: TermUpdate,
) -> MemberRead:
    """End a term early (the member decides nothing after `term_end`) or extend it."""
    return await service.change_term(
        session, principal=principal, fund_id=fund_id, member_id=member_id, term_in=term_in
    )
