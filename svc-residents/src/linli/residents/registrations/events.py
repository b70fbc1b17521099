"""Events of self-registration; their `data` is a contract other services consume (svc-grid)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from linli.common.events import DomainEvent


class _ResidentEvent(DomainEvent):
    service: ClassVar[str] = "residents"
    entity: ClassVar[str] = "resident"


class ResidentRegistered(_ResidentEvent):
    """A resident submitted a self-registration; it waits for review."""

    verb: ClassVar[str] = "registered"

    type: Literal["cn.linli.residents.resident.registered.v1"] = (
        "cn.linli.residents.resident.registered.v1"
    )
    registration_id: uuid.UUID
    name_masked: str = Field(description="First character kept: 张*")
    id_number_masked: str = Field(description="330***********1234")
    phone_masked: str = Field(description="138****5678")
    registered_at: datetime


class ResidentApproved(_ResidentEvent):
    """A registration was approved: the person is now a resident of a household."""

    verb: ClassVar[str] = "approved"

    type: Literal["cn.linli.residents.resident.approved.v1"] = (
        "cn.linli.residents.resident.approved.v1"
    )
    registration_id: uuid.UUID
    resident_id: uuid.UUID
    household_id: uuid.UUID
    household_address: str = Field(description="<building>-<unit>-<room>")
    grid_id: uuid.UUID | None = Field(
        default=None, description="The household's grid; null until one is assigned"
    )
    name_masked: str
    # As resident.created carries it: a copy built from approvals applies age rules too.
    birth_year: int = Field(description="The year only: ages are computed by the reader")
    approved_by: str = Field(description="Subject of the worker who approved")
    approved_at: datetime


class ResidentRejected(_ResidentEvent):
    """A registration was rejected, with the worker's reason."""

    verb: ClassVar[str] = "rejected"

    type: Literal["cn.linli.residents.resident.rejected.v1"] = (
        "cn.linli.residents.resident.rejected.v1"
    )
    registration_id: uuid.UUID
    reason: str
    rejected_by: str
    rejected_at: datetime
