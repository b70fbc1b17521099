"""HTTP of change requests: residents file them for their own record, workers decide."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.dependencies import Cipher
from linli.common.idempotency import IdempotentRoute
from linli.common.openapi import problem_responses
from linli.common.pagination import DEFAULT_LIMIT, Cursor, DivisionFilter, Limit, Page
from linli.residents.change_requests import service
from linli.residents.change_requests.schemas import (
    ChangeRequestCreate,
    ChangeRequestRead,
    ChangeRequestReject,
)
from linli.residents.models import ChangeRequestStatus

router = APIRouter(tags=["change requests"], route_class=IdempotentRoute)


_DECIDE = problem_responses(
    {
        403: "Only community workers decide change requests",
        404: "No such change request within your scope",
        409: "Already approved or rejected",
    }
)


@router.post(
    "/residents/me/change-requests",
    response_model=ChangeRequestRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        {
            403: "Only residents file change requests",
            404: "No resident record is linked to your account yet",
            409: "A change request of yours already waits for review",
            422: "No field to change, or a field is invalid",
        }
    ),
)
async def file_change_request(
    session: DbSession,
    principal: CurrentPrincipal,
    cipher: Cipher,
    request_in: ChangeRequestCreate,
) -> ChangeRequestRead:
    """Ask for your own record to change (name, phone, relation to the head, tags); a worker of
    your community approves or rejects it. Send an `Idempotency-Key`."""
    request = await service.file(session, principal=principal, cipher=cipher, request_in=request_in)
    return ChangeRequestRead.from_model(request)


@router.get(
    "/residents/me/change-requests",
    response_model=Page[ChangeRequestRead],
    responses=problem_responses({403: "Only residents", 404: "No resident record is linked yet"}),
)
async def my_change_requests(
    session: DbSession,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ChangeRequestRead]:
    """Your own change requests and their outcome, oldest first."""
    return await service.my_change_requests(
        session, principal=principal, cursor=cursor, limit=limit
    )


@router.get(
    "/change-requests",
    response_model=Page[ChangeRequestRead],
    responses=problem_responses(
        {
            403: "Your role may not review change requests, or `division` lies outside your scope",
            422: "`division` is not a division code, or the cursor is not one we gave",
        }
    ),
)
async def list_change_requests(
    session: DbSession,
    principal: CurrentPrincipal,
    division: DivisionFilter = None,
    status: Annotated[ChangeRequestStatus | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ChangeRequestRead]:
    """The review queue of a division (default: your scope), oldest first."""
    return await service.list_change_requests(
        session, principal=principal, division=division, status=status, cursor=cursor, limit=limit
    )


@router.get(
    "/change-requests/{request_id:uuid}",
    response_model=ChangeRequestRead,
    responses=problem_responses({404: "No such change request that you may see"}),
)
async def get_change_request(
    session: DbSession, principal: CurrentPrincipal, request_id: uuid.UUID
) -> ChangeRequestRead:
    """One change request: its applicant and reviewing staff of its community see it."""
    request = await service.get(session, principal=principal, request_id=request_id)
    return ChangeRequestRead.from_model(request)


@router.post(
    "/change-requests/{request_id:uuid}/approve",
    response_model=ChangeRequestRead,
    responses=_DECIDE,
)
async def approve_change_request(
    session: DbSession, principal: CurrentPrincipal, cipher: Cipher, request_id: uuid.UUID
) -> ChangeRequestRead:
    """Approve: the resident's record changes as asked (published as `resident.updated` /
    `resident.tagged`)."""
    request = await service.approve(
        session, principal=principal, cipher=cipher, request_id=request_id
    )
    return ChangeRequestRead.from_model(request)


@router.post(
    "/change-requests/{request_id:uuid}/reject",
    response_model=ChangeRequestRead,
    responses={
        **_DECIDE,
        **problem_responses({422: "`reason` missing, too long, or holds an ID/phone"}),
    },
)
async def reject_change_request(
    session: DbSession,
    principal: CurrentPrincipal,
    request_id: uuid.UUID,
    reject_in: ChangeRequestReject,
) -> ChangeRequestRead:
    """Reject with a reason the resident reads (no ID or phone numbers: it is published)."""
    request = await service.reject(
        session, principal=principal, request_id=request_id, reject_in=reject_in
    )
    return ChangeRequestRead.from_model(request)
