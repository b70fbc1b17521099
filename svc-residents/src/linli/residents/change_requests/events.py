"""Events of change requests: the names of the fields asked for, never their values."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from linli.common.events import DomainEvent


class _ChangeRequestEvent(DomainEvent):
    service: ClassVar[str] = "residents"
    entity: ClassVar[str] = "change_request"

    change_request_id: uuid.UUID
    resident_id: uuid.UUID
    fields: list[str]


class ChangeRequestFiled(_ChangeRequestEvent):
    """A resident asked for their record to change."""

    verb: ClassVar[str] = "filed"

    type: Literal["cn.linli.residents.change_request.filed.v1"] = (
        "cn.linli.residents.change_request.filed.v1"
    )


class ChangeRequestApproved(_ChangeRequestEvent):
    """A worker approved a change request; the record changed (see `resident.updated`)."""

    verb: ClassVar[str] = "approved"

    type: Literal["cn.linli.residents.change_request.approved.v1"] = (
        "cn.linli.residents.change_request.approved.v1"
    )
    approved_by: str


class ChangeRequestRejected(_ChangeRequestEvent):
    """A worker rejected a change request, with a reason the resident reads."""

    verb: ClassVar[str] = "rejected"

    type: Literal["cn.linli.residents.change_request.rejected.v1"] = (
        "cn.linli.residents.change_request.rejected.v1"
    )
    reason: str
    rejected_by: str
