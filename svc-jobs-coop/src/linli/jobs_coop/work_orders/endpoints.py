"""HTTP of work orders: post (enterprise), split (cooperative), read, cancel."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.jobs_coop.models import OrderStatus
from linli.jobs_coop.work_orders import service
from linli.jobs_coop.work_orders.schemas import SplitIn, WorkOrderCreate, WorkOrderRead

router = APIRouter(prefix="/work-orders", tags=["work orders"], route_class=IdempotentRoute)


@router.post(
    "",
    response_model=WorkOrderRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: "Only an enterprise login linked to an enterprise posts work",
            409: "No cooperation agreement in force",
            422: "Invalid fields (each listed): a piece rate of 0 or a fraction of a fen, a "
            "passed deadline, a micro-factory of another community",
        }
    ),
)
async def post_order(
    session: DbSession, principal: CurrentPrincipal, order_in: WorkOrderCreate
) -> WorkOrderRead:
    """Post piece-work to the enterprise's community cooperative. The piece rate is an integer
    number of fen. Send an `Idempotency-Key`."""
    return await service.post(session, principal=principal, order_in=order_in)


@router.get(
    "",
    response_model=Page[WorkOrderRead],
    responses=problem_responses({403: "A division outside your reach, or not a pool member"}),
)
async def list_orders(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    status: Annotated[OrderStatus | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[WorkOrderRead]:
    """Work orders with their progress: staff of their scope, an enterprise its own, a pool
    member the open orders of their community."""
    return await service.list_orders(
        session, principal=principal, division=division, status=status, cursor=cursor, limit=limit
    )


@router.get(
    "/{order_id}",
    response_model=WorkOrderRead,
    responses=problem_responses({404: "No such work order within your reach"}),
)
async def get_order(
    session: DbSession, principal: CurrentPrincipal, order_id: uuid.UUID
) -> WorkOrderRead:
    return await service.get(session, principal=principal, order_id=order_id)


@router.post(
    "/{order_id}/split",
    response_model=WorkOrderRead,
    responses=problem_responses(
        {
            403: "Only coordinators split orders",
            404: "No such work order within your scope",
            409: "The order is completed or cancelled",
            422: "A batch larger than the order",
        }
    ),
)
async def split_order(
    session: DbSession, principal: CurrentPrincipal, order_id: uuid.UUID, split_in: SplitIn
) -> WorkOrderRead:
    """Split the order into batches of `batch_size` pieces: it opens for claims and matching."""
    return await service.split(session, principal=principal, order_id=order_id, split_in=split_in)


@router.post(
    "/{order_id}/cancel",
    response_model=WorkOrderRead,
    responses=problem_responses(
        {
            403: "Only the order's enterprise cancels it",
            404: "No such work order",
            409: "Pieces were handed out already",
        }
    ),
)
async def cancel_order(
    session: DbSession, principal: CurrentPrincipal, order_id: uuid.UUID
) -> WorkOrderRead:
    """Withdraw an order before any piece of it was handed out."""
    return await service.cancel(session, principal=principal, order_id=order_id)
