"""Events of assignments and duty, on the community's subject; names only masked."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from linli.common.events import DomainEvent


class _WorkerEvent(DomainEvent):
    service: ClassVar[str] = "grid"
    entity: ClassVar[str] = "worker"

    grid_id: uuid.UUID
    worker_subject: str


class WorkerAssigned(_WorkerEvent):
    """A grid worker was assigned to a grid."""

    verb: ClassVar[str] = "assigned"
    type: Literal["cn.linli.grid.worker.assigned.v1"] = "cn.linli.grid.worker.assigned.v1"
    name_masked: str


class WorkerUnassigned(_WorkerEvent):
    """A grid worker no longer serves a grid."""

    verb: ClassVar[str] = "unassigned"
    type: Literal["cn.linli.grid.worker.unassigned.v1"] = "cn.linli.grid.worker.unassigned.v1"


class DutyScheduled(DomainEvent):
    """A duty shift was scheduled for a grid, or for the community (`grid_id` null)."""

    service: ClassVar[str] = "grid"
    entity: ClassVar[str] = "duty"
    verb: ClassVar[str] = "scheduled"
    type: Literal["cn.linli.grid.duty.scheduled.v1"] = "cn.linli.grid.duty.scheduled.v1"

    shift_id: uuid.UUID
    grid_id: uuid.UUID | None
    worker_subject: str
    starts_at: datetime
    ends_at: datetime


DutyEvent = WorkerAssigned | WorkerUnassigned | DutyScheduled
