"""Events of visits, on the community's subject: ids, the purpose and the checklist's items."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from linli.common.events import DomainEvent
from linli.grid.models import VisitTarget


class VisitRecorded(DomainEvent):
    """A grid worker recorded a visit (a patrol of a building, a call on a household or an
    enterprise); `incident_id` when a finding opened an incident in the same step."""

    service: ClassVar[str] = "grid"
    entity: ClassVar[str] = "visit"
    verb: ClassVar[str] = "recorded"
    type: Literal["cn.linli.grid.visit.recorded.v1"] = "cn.linli.grid.visit.recorded.v1"

    visit_id: uuid.UUID
    grid_id: uuid.UUID | None
    target: VisitTarget
    household_id: uuid.UUID | None
    building_id: uuid.UUID | None
    worker_subject: str
    visited_at: datetime
    purpose: str
    failed_items: list[str] = Field(description="Checklist items found wanting")
    incident_id: uuid.UUID | None


VisitEvent = VisitRecorded
