"""Business rules of change requests: a resident files one for their own record; a community
worker of the resident's community approves it (the record changes through the registry's own
write path) or rejects it with a reason."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.models import new_id
from linli.common.outbox import events_of
from linli.common.pagination import Page
from linli.common.pii import PiiCipher, PiiField
from linli.residents.access import MANAGE_ROLES, WRITE_ROLES
from linli.residents.change_requests.errors import (
    ChangeRequestAlreadyPending,
    ChangeRequestNotFound,
    ChangeRequestNotPending,
)
from linli.residents.change_requests.events import (
    ChangeRequestApproved,
    ChangeRequestFiled,
    ChangeRequestRejected,
)
from linli.residents.change_requests.repository import (
    CHANGE_REQUEST_ORDER,
    ChangeRequestRepository,
)
from linli.residents.change_requests.schemas import (
    REQUESTABLE,
    ChangeRequestCreate,
    ChangeRequestRead,
    ChangeRequestReject,
)
from linli.residents.households import writes
from linli.residents.households.errors import ResidentNotFound
from linli.residents.households.repository import ResidentRepository
from linli.residents.households.residents import my_record
from linli.residents.households.schemas import ResidentUpdate
from linli.residents.models import ChangeRequest, ChangeRequestStatus
from linli.residents.protected import protect


def _fields(request: ChangeRequest) -> list[str]:
    return sorted([*request.changes, *(["phone"] if request.phone_index else [])])


async def file(
    session: AsyncSession,
    *,
    principal: Principal,
    cipher: PiiCipher,
    request_in: ChangeRequestCreate,
) -> ChangeRequest:
    """A resident asks for their own record to change; it waits for a worker."""
    resident = await my_record(session, principal=principal)
    asked = request_in.model_dump(include=set(REQUESTABLE), exclude_none=True, mode="json")
    phone = asked.pop("phone", None)
    stored = protect(cipher, PiiField.PHONE, phone) if phone else None
    request = ChangeRequest(
        id=new_id(),
        resident_id=resident.id,
        community_code=resident.community_code,
        status=ChangeRequestStatus.PENDING,
        applicant_subject=principal.subject,
        changes=asked,
        phone_cipher=stored.cipher if stored else None,
        phone_index=stored.index if stored else None,
        phone_masked=stored.masked if stored else None,
        note=request_in.note,
        created_at=datetime.now(UTC),
        updated_at=datetime.now(UTC),
    )
    if not await ChangeRequestRepository(session).add(request):
        raise ChangeRequestAlreadyPending("wait for the pending change request to be decided")
    await events_of(session).record(
        ChangeRequestFiled(
            community_code=request.community_code,
            change_request_id=request.id,
            resident_id=resident.id,
            fields=_fields(request),
        ),
        subject_id=str(request.id),
    )
    return request


async def _page(
    session: AsyncSession,
    *,
    division: str | None,
    where: list[ColumnElement[bool]],
    cursor: str | None,
    limit: int,
) -> Page[ChangeRequestRead]:
    rows = await ChangeRequestRepository(session).list(
        division_prefix=division,
        where=where,
        after=CHANGE_REQUEST_ORDER.decode(cursor),
        limit=limit,
    )
    return CHANGE_REQUEST_ORDER.page(rows, limit=limit, read=ChangeRequestRead.from_model)


async def list_change_requests(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    status: ChangeRequestStatus | None,
    cursor: str | None,
    limit: int,
) -> Page[ChangeRequestRead]:
    """The review queue of a division (default: the caller's scope), oldest first."""
    principal.require_role(*MANAGE_ROLES)
    division = division or principal.scope
    principal.require_scope(division)
    where: list[ColumnElement[bool]] = []
    if status is not None:
        where.append(ChangeRequest.status == status)
    return await _page(session, division=division, where=where, cursor=cursor, limit=limit)


async def my_change_requests(
    session: AsyncSession, *, principal: Principal, cursor: str | None, limit: int
) -> Page[ChangeRequestRead]:
    """The caller's own change requests, oldest first."""
    resident = await my_record(session, principal=principal)
    return await _page(
        session,
        division=None,  # every community: the resident may have moved since filing
        where=[ChangeRequest.resident_id == resident.id],
        cursor=cursor,
        limit=limit,
    )


async def get(
    session: AsyncSession, *, principal: Principal, request_id: uuid.UUID
) -> ChangeRequest:
    request = await ChangeRequestRepository(session).get(request_id)
    if request is None:
        raise ChangeRequestNotFound()
    if principal.has_role(Role.RESIDENT) and request.applicant_subject == principal.subject:
        return request
    if not (principal.has_role(*MANAGE_ROLES) and principal.covers(request.community_code)):
        raise ChangeRequestNotFound()
    return request


async def _pending_for_decision(
    session: AsyncSession, *, principal: Principal, request_id: uuid.UUID
) -> ChangeRequest:
    principal.require_role(*WRITE_ROLES)
    request = await ChangeRequestRepository(session).get(request_id, for_update=True)
    # Outside the worker's scope is answered exactly like an id that does not exist.
    if request is None or not principal.covers(request.community_code):
        raise ChangeRequestNotFound()
    if request.status is not ChangeRequestStatus.PENDING:
        raise ChangeRequestNotPending(request.status)
    return request


def _decide(request: ChangeRequest, status: ChangeRequestStatus, principal: Principal) -> None:
    request.status = status
    request.decided_at = datetime.now(UTC)
    request.decided_by = principal.subject


async def approve(
    session: AsyncSession, *, principal: Principal, cipher: PiiCipher, request_id: uuid.UUID
) -> ChangeRequest:
    """Apply the requested changes to the resident's record, as a worker's edit would."""
    request = await _pending_for_decision(session, principal=principal, request_id=request_id)
    resident = await ResidentRepository(session).get(request.resident_id, for_update=True)
    if resident is None:
        raise ResidentNotFound("the resident of this change request is no longer registered")
    changes: dict[str, Any] = ResidentUpdate.model_validate(request.changes).model_dump(
        exclude_unset=True
    )
    if request.phone_cipher is not None:
        changes["phone"] = cipher.decrypt(PiiField.PHONE, request.phone_cipher)
    await writes.apply_resident_changes(
        session, resident=resident, changes=changes, cipher=cipher, actor=principal
    )
    _decide(request, ChangeRequestStatus.APPROVED, principal)
    await session.flush()
    await events_of(session).record(
        ChangeRequestApproved(
            community_code=request.community_code,
            change_request_id=request.id,
            resident_id=request.resident_id,
            fields=_fields(request),
            approved_by=principal.subject,
        ),
        subject_id=str(request.id),
    )
    return request


async def reject(
    session: AsyncSession,
    *,
    principal: Principal,
    request_id: uuid.UUID,
    reject_in: ChangeRequestReject,
) -> ChangeRequest:
    request = await _pending_for_decision(session, principal=principal, request_id=request_id)
    _decide(request, ChangeRequestStatus.REJECTED, principal)
    request.reject_reason = reject_in.reason
    await session.flush()
    await events_of(session).record(
        ChangeRequestRejected(
            community_code=request.community_code,
            change_request_id=request.id,
            resident_id=request.resident_id,
            fields=_fields(request),
            reason=reject_in.reason,
            rejected_by=principal.subject,
        ),
        subject_id=str(request.id),
    )
    return request
