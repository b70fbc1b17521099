"""HTTP of payment requests: filed, approved by the committee (the completing approval pays),
rejected; public to read, as the fund's money is."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from linli.funds.caching import PUBLIC, FundsRoute
from linli.funds.models import PaymentStatus
from linli.funds.payments import service
from linli.funds.payments.schemas import PaymentCreate, PaymentRead, RejectionCreate

router = APIRouter(tags=["payments"], route_class=FundsRoute)

_DECIDE = (
    "Not a member of the fund's committee, the member's term is not running, or the request "
    "is the member's own or pays them"
)


@router.post(
    "/funds/{fund_id}/payments",
    response_model=PaymentRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: "Neither the fund's staff nor a serving member of its committee",
            404: "No such fund",
            409: "Fewer serving members could approve it than the amount needs",
            422: "Invalid fields: an amount must be a whole number of fen, at least 1",
        }
    ),
)
async def request_payment(
    session: DbSession, principal: CurrentPrincipal, fund_id: uuid.UUID, payment_in: PaymentCreate
) -> PaymentRead:
    """Ask the committee to pay (or reimburse) out of the fund. The approvals it needs are
    fixed now: the fund's quorum, or above its per-payment limit the larger quorum (the whole
    committee when none is set). Send an `Idempotency-Key`."""
    return await service.request_payment(
        session, principal=principal, fund_id=fund_id, payment_in=payment_in
    )


@router.get(
    "/funds/{fund_id}/payments",
    response_model=Page[PaymentRead],
    responses=problem_responses(
        {404: "No such fund", 422: "A filter is invalid, or the cursor is not one we gave"},
        authenticated=False,
    ),
    openapi_extra=PUBLIC,
)
async def list_payments(
    session: DbSession,
    fund_id: uuid.UUID,
    status: Annotated[PaymentStatus | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[PaymentRead]:
    """The fund's payment requests, newest first; public."""
    return await service.list_payments(
        session, fund_id=fund_id, status=status, cursor=cursor, limit=limit
    )


@router.get(
    "/payments/{payment_id}",
    response_model=PaymentRead,
    responses=problem_responses({404: "No such payment request"}, authenticated=False),
    openapi_extra=PUBLIC,
)
async def get_payment(session: DbSession, payment_id: uuid.UUID) -> PaymentRead:
    """One request with its approvals so far; public."""
    return await service.get_payment(session, payment_id=payment_id)


@router.post(
    "/payments/{payment_id}/approvals",
    response_model=PaymentRead,
    responses=problem_responses(
        {
            403: _DECIDE,
            404: "No such payment request",
            409: "Approved by you already, decided already, or the fund cannot afford it "
            "(`balance_fen` says what it holds; nothing is recorded)",
        }
    ),
)
async def approve(
    session: DbSession, principal: CurrentPrincipal, payment_id: uuid.UUID
) -> PaymentRead:
    """Approve as a serving committee member. The approval that completes the approvals the
    request needs pays it in the same step (`status: paid`, `entry_id`); one the fund cannot
    afford is refused with its balance, and not recorded. Send an `Idempotency-Key`."""
    return await service.approve(session, principal=principal, payment_id=payment_id)


@router.post(
    "/payments/{payment_id}/rejection",
    response_model=PaymentRead,
    responses=problem_responses(
        {
            403: _DECIDE,
            404: "No such payment request",
            409: "Decided already",
            422: "A reason is needed",
        }
    ),
)
async def reject(
    session: DbSession,
    principal: CurrentPrincipal,
    payment_id: uuid.UUID,
    rejection_in: RejectionCreate,
) -> PaymentRead:
    """Reject as a serving committee member, with a reason shown on the public pages."""
    return await service.reject(
        session, principal=principal, payment_id=payment_id, rejection_in=rejection_in
    )
