"""HTTP of tasks: claim (接单), match, candidates, pick-up, deliveries."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.jobs_coop.clock import Moment
from linli.jobs_coop.models import TaskStatus
from linli.jobs_coop.tasks import service
from linli.jobs_coop.tasks.schemas import (
    Candidate,
    ClaimIn,
    DeliveryIn,
    DeliveryRead,
    MatchIn,
    TaskRead,
)

router = APIRouter(tags=["tasks"], route_class=IdempotentRoute)


@router.post(
    "/work-orders/{order_id}/claims",
    response_model=TaskRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: "Not a pool member (a coordinator names `member_id`)",
            404: "No such work order or member within your reach",
            409: "More than is left (`quantity_left` names the remainder), the skill missing "
            "(`required_skill`), or the order not open",
            422: "Invalid fields (each listed)",
        }
    ),
)
async def claim(
    session: DbSession, principal: CurrentPrincipal, order_id: uuid.UUID, claim_in: ClaimIn
) -> TaskRead:
    """Claim a batch (接单): never more than the order has left, however many claim at once.
    Send an `Idempotency-Key`, so a retried claim is not a second one."""
    return await service.claim(session, principal=principal, order_id=order_id, claim_in=claim_in)


@router.get(
    "/work-orders/{order_id}/candidates",
    response_model=list[Candidate],
    responses=problem_responses(
        {403: "Only coordinators match", 404: "No such work order in your scope"}
    ),
)
async def candidates(
    session: DbSession,
    principal: CurrentPrincipal,
    order_id: uuid.UUID,
    at: Annotated[
        Moment | None, Query(description="When the work starts, with its offset; default now")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[Candidate]:
    """The members a match would offer the next batch to, in order: the skill at the order's
    level, available at `at` (their weekly windows, Asia/Shanghai), the order's work mode, no
    batch of this order in hand; least work value in the last 30 days first."""
    return await service.candidates(
        session, principal=principal, order_id=order_id, at=at, limit=limit
    )


@router.post(
    "/work-orders/{order_id}/matches",
    response_model=TaskRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: "Only coordinators match",
            404: "No such work order in your scope",
            409: "Nobody eligible, more than is left, or the order not open",
            422: "Invalid fields (each listed)",
        }
    ),
)
async def match(
    session: DbSession, principal: CurrentPrincipal, order_id: uuid.UUID, match_in: MatchIn
) -> TaskRead:
    """Match the next batch one-to-one to the first candidate by the fair-share rule."""
    return await service.match(session, principal=principal, order_id=order_id, match_in=match_in)


@router.get(
    "/tasks",
    response_model=Page[TaskRead],
    responses=problem_responses({403: "A division outside your reach"}),
)
async def list_tasks(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    work_order_id: Annotated[uuid.UUID | None, Query()] = None,
    status: Annotated[TaskStatus | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[TaskRead]:
    """A member's own tasks; an enterprise's orders' tasks; staff those of their scope."""
    return await service.list_tasks(
        session,
        principal=principal,
        division=division,
        work_order_id=work_order_id,
        status=status,
        cursor=cursor,
        limit=limit,
    )


@router.get(
    "/tasks/{task_id}",
    response_model=TaskRead,
    responses=problem_responses({404: "No such task within your reach"}),
)
async def get_task(session: DbSession, principal: CurrentPrincipal, task_id: uuid.UUID) -> TaskRead:
    return await service.get(session, principal=principal, task_id=task_id)


@router.post(
    "/tasks/{task_id}/pickup",
    response_model=TaskRead,
    responses=problem_responses(
        {403: "Only coordinators", 404: "No such task", 409: "Picked up already"}
    ),
)
async def pick_up(session: DbSession, principal: CurrentPrincipal, task_id: uuid.UUID) -> TaskRead:
    """Record that the member picked up the batch's material."""
    return await service.pick_up(session, principal=principal, task_id=task_id)


@router.post(
    "/tasks/{task_id}/deliveries",
    response_model=DeliveryRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: "An enterprise does not record deliveries",
            404: "No such task within your reach",
            409: "More pieces than the member holds (`at_home`), or the task is completed",
            422: "Invalid fields (each listed)",
        }
    ),
)
async def deliver(
    session: DbSession, principal: CurrentPrincipal, task_id: uuid.UUID, delivery_in: DeliveryIn
) -> DeliveryRead:
    """Hand in finished pieces (re-worked ones included) for inspection."""
    return await service.deliver(
        session, principal=principal, task_id=task_id, delivery_in=delivery_in
    )


@router.get(
    "/tasks/{task_id}/deliveries",
    response_model=list[DeliveryRead],
    responses=problem_responses({404: "No such task within your reach"}),
)
async def list_deliveries(
    session: DbSession, principal: CurrentPrincipal, task_id: uuid.UUID
) -> list[DeliveryRead]:
    return await service.deliveries(session, principal=principal, task_id=task_id)
