"""Events of incidents, one class per step, each on its community's subject.

Payloads carry ids, codes, the category, the state and level reached and the actor's role: never
a title, description, note or name, which residents type freely (a phone number in a note must
not leave the service). An escalation is published twice, once on the community's subject and
once on the subject of the level it reached (`copy` says which), so a street's system sees what
climbed to it without subscribing to every community below; both copies share `incident_id` and
`to_level`, so a subscriber holding both subjects counts the escalation once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from linli.common.divisions import LEVEL_LENGTH, Level
from linli.common.events import DomainEvent


class _IncidentEvent(DomainEvent):
    service: ClassVar[str] = "grid"
    entity: ClassVar[str] = "incident"

    incident_id: uuid.UUID
    grid_id: uuid.UUID | None
    building_id: uuid.UUID | None
    category: str
    status: str = Field(description="The incident's state after this step")
    level: Level = Field(description="The level handling it after this step")
    actor_role: str = Field(description="Role of who took the step (`system` for an SLA timer)")
    at: datetime


class IncidentReported(_IncidentEvent):
    """An incident was reported (by a resident, grid worker, department or sensor)."""

    verb: ClassVar[str] = "reported"
    type: Literal["cn.linli.grid.incident.reported.v1"] = "cn.linli.grid.incident.reported.v1"
    source: str
    dispatch_due_at: datetime
    resolve_due_at: datetime


class IncidentDispatched(_IncidentEvent):
    """An incident was dispatched to a handler."""

    verb: ClassVar[str] = "dispatched"
    type: Literal["cn.linli.grid.incident.dispatched.v1"] = "cn.linli.grid.incident.dispatched.v1"


class IncidentAccepted(_IncidentEvent):
    """The handler accepted the incident."""

    verb: ClassVar[str] = "accepted"
    type: Literal["cn.linli.grid.incident.accepted.v1"] = "cn.linli.grid.incident.accepted.v1"


class IncidentStarted(_IncidentEvent):
    """The handler started work on the incident."""

    verb: ClassVar[str] = "started"
    type: Literal["cn.linli.grid.incident.started.v1"] = "cn.linli.grid.incident.started.v1"


class IncidentResolved(_IncidentEvent):
    """The handler reported the problem solved; the reporter verifies it."""

    verb: ClassVar[str] = "resolved"
    type: Literal["cn.linli.grid.incident.resolved.v1"] = "cn.linli.grid.incident.resolved.v1"


class IncidentReturned(_IncidentEvent):
    """The handler returned the incident to the dispatcher."""

    verb: ClassVar[str] = "returned"
    type: Literal["cn.linli.grid.incident.returned.v1"] = "cn.linli.grid.incident.returned.v1"


class IncidentClosed(_IncidentEvent):
    """Staff closed the incident."""

    verb: ClassVar[str] = "closed"
    type: Literal["cn.linli.grid.incident.closed.v1"] = "cn.linli.grid.incident.closed.v1"


class IncidentMerged(_IncidentEvent):
    """The incident was merged into another (the survivor), which goes on for both."""

    verb: ClassVar[str] = "merged"
    type: Literal["cn.linli.grid.incident.merged.v1"] = "cn.linli.grid.incident.merged.v1"
    merged_into_id: uuid.UUID


class IncidentRated(_IncidentEvent):
    """The reporter rated the result: fixed (the incident is verified) or not (it reopens)."""

    verb: ClassVar[str] = "rated"
    type: Literal["cn.linli.grid.incident.rated.v1"] = "cn.linli.grid.incident.rated.v1"
    rating: int = Field(ge=1, le=5)
    fixed: bool


class IncidentVerified(_IncidentEvent):
    """The reporter confirmed the problem fixed."""

    verb: ClassVar[str] = "verified"
    type: Literal["cn.linli.grid.incident.verified.v1"] = "cn.linli.grid.incident.verified.v1"


class IncidentReopened(_IncidentEvent):
    """The reporter said "not fixed": the incident waits for dispatch again."""

    verb: ClassVar[str] = "reopened"
    type: Literal["cn.linli.grid.incident.reopened.v1"] = "cn.linli.grid.incident.reopened.v1"


class IncidentEscalated(_IncidentEvent):
    """The incident climbed one level, by a staff decision or because its SLA ran out."""

    verb: ClassVar[str] = "escalated"
    type: Literal["cn.linli.grid.incident.escalated.v1"] = "cn.linli.grid.incident.escalated.v1"
    from_level: Level
    to_level: Level
    level_code: str = Field(description="Division code of the level reached (4, 6 or 9 digits)")
    automatic: bool = Field(description="True when the SLA timer escalated it")
    copy_on: Literal["community", "level"] = Field(
        description="Which subject this copy travels on: the community's or the level reached"
    )

    def division_code(self) -> str:
        return self.level_code if self.copy_on == "level" else self.community_code


def level_code(community_code: str, level: Level) -> str:
    """The code of the division of `level` that contains the community."""
    return community_code[: LEVEL_LENGTH[level]]


IncidentEvent = (
    IncidentReported
    | IncidentDispatched
    | IncidentAccepted
    | IncidentStarted
    | IncidentResolved
    | IncidentReturned
    | IncidentClosed
    | IncidentMerged
    | IncidentRated
    | IncidentVerified
    | IncidentReopened
    | IncidentEscalated
)
