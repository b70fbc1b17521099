"""Events of home visits, on the community's subject: ids, states and roles, never an address,
a name or a note."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from linli.common.events import DomainEvent


class _HomeVisitEvent(DomainEvent):
    service: ClassVar[str] = "service-hall"
    entity: ClassVar[str] = "home_visit"

    home_visit_id: uuid.UUID
    resident_id: uuid.UUID
    item_id: uuid.UUID
    status: str
    actor_role: str
    at: datetime


class HomeVisitRequested(_HomeVisitEvent):
    verb: ClassVar[str] = "requested"
    type: Literal["cn.linli.service-hall.home_visit.requested.v1"] = (
        "cn.linli.service-hall.home_visit.requested.v1"
    )
    reason: str


class HomeVisitAssigned(_HomeVisitEvent):
    verb: ClassVar[str] = "assigned"
    type: Literal["cn.linli.service-hall.home_visit.assigned.v1"] = (
        "cn.linli.service-hall.home_visit.assigned.v1"
    )
    worker_subject: str


class HomeVisitScheduled(_HomeVisitEvent):
    verb: ClassVar[str] = "scheduled"
    type: Literal["cn.linli.service-hall.home_visit.scheduled.v1"] = (
        "cn.linli.service-hall.home_visit.scheduled.v1"
    )
    scheduled_for: datetime


class HomeVisitVisited(_HomeVisitEvent):
    """The worker called: `outcome` done (materials collected) or not_at_home."""

    verb: ClassVar[str] = "visited"
    type: Literal["cn.linli.service-hall.home_visit.visited.v1"] = (
        "cn.linli.service-hall.home_visit.visited.v1"
    )
    outcome: str
    materials_collected: list[str]
    application_id: uuid.UUID | None


class HomeVisitCancelled(_HomeVisitEvent):
    verb: ClassVar[str] = "cancelled"
    type: Literal["cn.linli.service-hall.home_visit.cancelled.v1"] = (
        "cn.linli.service-hall.home_visit.cancelled.v1"
    )


HomeVisitEvent = (
    HomeVisitRequested
    | HomeVisitAssigned
    | HomeVisitScheduled
    | HomeVisitVisited
    | HomeVisitCancelled
)
