"""HTTP of the ledger: a fund's movements (public) and income posted by staff."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from linli.funds.caching import PUBLIC, FundsRoute
from linli.funds.ledger import service
from linli.funds.ledger.schemas import IncomeCreate, IncomeRead, MovementRead

router = APIRouter(prefix="/funds/{fund_id}", tags=["ledger"], route_class=FundsRoute)


@router.get(
    "/ledger",
    response_model=Page[MovementRead],
    responses=problem_responses(
        {404: "No such fund", 422: "The cursor is not one we gave"}, authenticated=False
    ),
    openapi_extra=PUBLIC,
)
async def list_movements(
    session: DbSession, fund_id: uuid.UUID, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> Page[MovementRead]:
    """Every movement in (positive) and out (negative) of the fund, newest first, each naming
    its entry and its source (donation, payment request, transfer, income); public."""
    return await service.list_movements(session, fund_id=fund_id, cursor=cursor, limit=limit)


@router.post(
    "/income",
    response_model=IncomeRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: "Only community workers and street, district or city admins post income",
            404: "No such fund within your scope",
            422: "Invalid fields: an amount must be a whole number of fen, at least 1",
        }
    ),
)
async def receive_income(
    session: DbSession, principal: CurrentPrincipal, fund_id: uuid.UUID, income_in: IncomeCreate
) -> IncomeRead:
    """Post income to the fund (a social enterprise's profit, a grant). Send an
    `Idempotency-Key`: a retry returns the first answer and posts nothing twice."""
    return await service.receive_income(
        session, principal=principal, fund_id=fund_id, income_in=income_in
    )
