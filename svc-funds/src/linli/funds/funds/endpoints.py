"""HTTP of funds: open one, read them (no account needed), change the rules, check the ledger."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.funds.caching import PUBLIC, FundsRoute
from linli.funds.funds import service
from linli.funds.funds.schemas import FundCreate, FundRead, FundRules, LedgerCheck
from linli.funds.models import FundKind

router = APIRouter(prefix="/funds", tags=["funds"], route_class=FundsRoute)

_MANAGE = "Only community workers and street, district or city admins manage funds"


@router.post(
    "",
    response_model=FundRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: f"{_MANAGE}; or the division lies outside your scope",
            409: "The division has a fund of this name",
            422: "Invalid fields (each listed), or a kind that does not fit the division's level",
        }
    ),
)
async def create_fund(
    session: DbSession, principal: CurrentPrincipal, fund_in: FundCreate
) -> FundRead:
    """Open a fund: a street fund (9-digit code), a community fund (12 digits) or a special
    purpose fund (any level, e.g. a youth fund), with its approval rules. It starts at zero.
    Send an `Idempotency-Key`."""
    return await service.create_fund(session, principal=principal, fund_in=fund_in)


@router.get(
    "",
    response_model=Page[FundRead],
    responses=problem_responses(
        {422: "A filter is invalid, or the cursor is not one we gave"}, authenticated=False
    ),
    openapi_extra=PUBLIC,
)
async def list_funds(
    session: DbSession,
    division: DivisionFilter = None,
    kind: Annotated[FundKind | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[FundRead]:
    """Funds with their balances, by division; public, no token needed (a division filter here
    narrows the list, it grants nothing)."""
    return await service.list_funds(
        session, division=division, kind=kind, cursor=cursor, limit=limit
    )


@router.get(
    "/{fund_id}",
    response_model=FundRead,
    responses=problem_responses({404: "No such fund"}, authenticated=False),
    openapi_extra=PUBLIC,
)
async def get_fund(session: DbSession, fund_id: uuid.UUID) -> FundRead:
    """One fund, its rules and its balance; public."""
    return await service.get_fund(session, fund_id=fund_id)


@router.put(
    "/{fund_id}/rules",
    response_model=FundRead,
    responses=problem_responses(
        {403: _MANAGE, 404: "No such fund within your scope", 422: "Invalid rules"}
    ),
)
async def change_rules(
    session: DbSession, principal: CurrentPrincipal, fund_id: uuid.UUID, rules_in: FundRules
) -> FundRead:
    """Replace the approval rules. Requests filed earlier keep the rules they were filed under."""
    return await service.change_rules(
        session, principal=principal, fund_id=fund_id, rules_in=rules_in
    )


@router.get(
    "/{fund_id}/ledger/check",
    response_model=LedgerCheck,
    responses=problem_responses({404: "No such fund"}, authenticated=False),
)
async def check_ledger(session: DbSession, fund_id: uuid.UUID) -> LedgerCheck:
    """Anyone may check a fund: every account's balance recomputed from its ledger lines, every
    entry summing to zero, the cash not below zero. `ok` is false, and the offending accounts and
    entries are named, if anything does not hold."""
    return await service.check_ledger(session, fund_id=fund_id)
