"""HTTP of settlement: issue a month's statements, read them, record adjustments; an edit of
an issued statement is refused."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.jobs_coop.models import StatementKind
from linli.jobs_coop.settlement import service
from linli.jobs_coop.settlement.schemas import (
    AdjustmentIn,
    AdjustmentRead,
    Month,
    RunIn,
    RunRead,
    StatementRead,
)

router = APIRouter(tags=["settlement"], route_class=IdempotentRoute)

_IMMUTABLE = problem_responses(
    {404: "No such statement within your reach", 409: "An issued statement is never changed"}
)


@router.post(
    "/statement-runs",
    response_model=RunRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: "Only coordinators of the community issue statements",
            409: "Issued already for this month, or the month has not begun",
            422: "Invalid fields (each listed)",
        }
    ),
)
async def issue_statements(
    session: DbSession, principal: CurrentPrincipal, run_in: RunIn
) -> RunRead:
    """Issue a community's monthly statements: one per worker (pay) and one per enterprise
    (bill), from every inspection and adjustment not settled yet up to the month's end
    (Asia/Shanghai). Pay = accepted × piece rate, in fen; both sides add up to the same total.
    Once per community and month; immutable once issued."""
    return await service.issue(session, principal=principal, run_in=run_in)


@router.get(
    "/statement-runs/{run_id}",
    response_model=RunRead,
    responses=problem_responses({403: "Only coordinators", 404: "No such run in your scope"}),
)
async def get_run(session: DbSession, principal: CurrentPrincipal, run_id: uuid.UUID) -> RunRead:
    """A month's issue with its statements, and whether both sides add up (`balanced`)."""
    return await service.get_run(session, principal=principal, run_id=run_id)


@router.get(
    "/statements",
    response_model=Page[StatementRead],
    responses=problem_responses({403: "A division outside your reach"}),
)
async def list_statements(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    month: Annotated[Month | None, Query(description="YYYY-MM")] = None,
    kind: Annotated[StatementKind | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[StatementRead]:
    """Statements: staff of their scope; a worker their own pay; an enterprise its bills."""
    return await service.list_statements(
        session,
        principal=principal,
        division=division,
        month=month,
        kind=kind,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/statements/{statement_id}",
    response_model=StatementRead,
    responses=problem_responses({404: "No such statement within your reach"}),
)
async def get_statement(
    session: DbSession, principal: CurrentPrincipal, statement_id: uuid.UUID
) -> StatementRead:
    """One statement with its lines (each an inspection's accepted × rate, or an adjustment)."""
    return await service.get_statement(session, principal=principal, statement_id=statement_id)


@router.patch("/statements/{statement_id}", status_code=409, responses=_IMMUTABLE)
async def edit_statement(
    session: DbSession, principal: CurrentPrincipal, statement_id: uuid.UUID
) -> None:
    """Refused: an issued statement is immutable. Record an adjustment instead."""
    await service.refuse_edit(session, principal=principal, statement_id=statement_id)


@router.delete("/statements/{statement_id}", status_code=409, responses=_IMMUTABLE)
async def delete_statement(
    session: DbSession, principal: CurrentPrincipal, statement_id: uuid.UUID
) -> None:
    """Refused: an issued statement is immutable."""
    await service.refuse_edit(session, principal=principal, statement_id=statement_id)


@router.post(
    "/adjustments",
    response_model=AdjustmentRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: "Only coordinators record adjustments",
            404: "No such member, order or statement within your scope",
            409: "The member did no work on that order",
            422: "Invalid fields (each listed), or 0 fen",
        }
    ),
)
async def record_adjustment(
    session: DbSession, principal: CurrentPrincipal, adjustment_in: AdjustmentIn
) -> AdjustmentRead:
    """A correction of pay for work on an order (+ pays more, − claws back), settled on both
    sides in the next statements issued. Send an `Idempotency-Key`."""
    return await service.record_adjustment(
        session, principal=principal, adjustment_in=adjustment_in
    )
