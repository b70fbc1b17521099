"""HTTP of quality inspection: one check per delivery."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.jobs_coop.inspections import service
from linli.jobs_coop.inspections.schemas import InspectionIn, InspectionRead

router = APIRouter(tags=["inspections"], route_class=IdempotentRoute)


@router.post(
    "/deliveries/{delivery_id}/inspection",
    response_model=InspectionRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: "A member does not inspect their own work",
            404: "No such delivery within your reach",
            409: "Inspected already, or more pieces judged than delivered (`delivered`)",
            422: "Invalid fields (each listed), or rejected pieces without a reason",
        }
    ),
)
async def inspect_delivery(
    session: DbSession,
    principal: CurrentPrincipal,
    delivery_id: uuid.UUID,
    inspection_in: InspectionIn,
) -> InspectionRead:
    """Check a delivery against the order's quality standard (by the cooperative or the
    order's enterprise): accepted pieces are paid at the piece rate, rejected ones (with
    reasons) go back for re-work."""
    return await service.inspect(
        session, principal=principal, delivery_id=delivery_id, inspection_in=inspection_in
    )
