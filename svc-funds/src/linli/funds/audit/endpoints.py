"""HTTP of the audit trail: verification for anyone, the records for auditors and staff."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from linli.funds.audit import service
from linli.funds.audit.schemas import AuditRecordRead, AuditVerification

router = APIRouter(prefix="/funds/{fund_id}/audit", tags=["audit"])


@router.get(
    "/verify",
    response_model=AuditVerification,
    responses=problem_responses({404: "No such fund"}, authenticated=False),
)
async def verify(session: DbSession, fund_id: uuid.UUID) -> AuditVerification:
    """Recompute the fund's hash chain: `ok`, or the first record (`seq`) whose hash or link to
    its predecessor does not hold — a record edited or removed in the database is found here."""
    return await service.verify(session, fund_id=fund_id)


@router.get(
    "",
    response_model=Page[AuditRecordRead],
    responses=problem_responses(
        {
            403: "Only auditors and the fund's staff read the trail",
            404: "No such fund within your scope",
            422: "The cursor is not one we gave",
        }
    ),
)
async def list_records(
    session: DbSession,
    principal: CurrentPrincipal,
    fund_id: uuid.UUID,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[AuditRecordRead]:
    """Every action on the fund, oldest first: who, what, when, and the hashes."""
    return await service.list_records(
        session, principal=principal, fund_id=fund_id, cursor=cursor, limit=limit
    )
