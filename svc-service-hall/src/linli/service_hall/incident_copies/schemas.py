"""The fields of svc-grid's `incident.*` events the hall reads (its own copy of their shape)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from linli.common.divisions import CommunityCodeStr


class IncidentChange(BaseModel):
    """What every step of an incident tells: where it stands after the step, and who took it."""

    incident_id: uuid.UUID
    community_code: CommunityCodeStr
    category: str = Field(max_length=64)
    status: str = Field(max_length=32)
    level: str = Field(max_length=32)
    actor_role: str = Field(max_length=32)
    at: datetime


class IncidentReported(IncidentChange):
    type: Literal["cn.linli.grid.incident.reported.v1"]


class IncidentDispatched(IncidentChange):
    type: Literal["cn.linli.grid.incident.dispatched.v1"]


class IncidentAccepted(IncidentChange):
    type: Literal["cn.linli.grid.incident.accepted.v1"]


class IncidentStarted(IncidentChange):
    type: Literal["cn.linli.grid.incident.started.v1"]


class IncidentResolved(IncidentChange):
    type: Literal["cn.linli.grid.incident.resolved.v1"]


class IncidentReturned(IncidentChange):
    type: Literal["cn.linli.grid.incident.returned.v1"]


class IncidentClosed(IncidentChange):
    type: Literal["cn.linli.grid.incident.closed.v1"]


class IncidentMerged(IncidentChange):
    type: Literal["cn.linli.grid.incident.merged.v1"]
    merged_into_id: uuid.UUID


class IncidentRated(IncidentChange):
    type: Literal["cn.linli.grid.incident.rated.v1"]
    rating: int = Field(ge=1, le=5)
    fixed: bool


class IncidentVerified(IncidentChange):
    type: Literal["cn.linli.grid.incident.verified.v1"]


class IncidentReopened(IncidentChange):
    type: Literal["cn.linli.grid.incident.reopened.v1"]


class IncidentEscalated(IncidentChange):
    type: Literal["cn.linli.grid.incident.escalated.v1"]
    # Published twice, on the community's subject and on the level's: the hall reads one.
    copy_on: Literal["community", "level"]


class IncidentLinked(IncidentChange):
    """svc-grid opened this incident for a hall report (`report.filed`)."""

    type: Literal["cn.linli.grid.incident.linked.v1"]
    report_id: uuid.UUID


CHANGES: tuple[type[IncidentChange], ...] = (
    IncidentReported,
    IncidentDispatched,
    IncidentAccepted,
    IncidentStarted,
    IncidentResolved,
    IncidentReturned,
    IncidentClosed,
    IncidentMerged,
    IncidentRated,
    IncidentVerified,
    IncidentReopened,
    IncidentEscalated,
)


class StepRead(BaseModel):
    """One step of the incident's timeline, as the hall's copy holds it."""

    model_config = {"from_attributes": True}

    at: datetime
    action: str
    status: str
    level: str
    actor_role: str


class IncidentCopyRead(BaseModel):
    model_config = {"from_attributes": True}

    incident_id: uuid.UUID
    status: str
    level: str
    merged_into_id: uuid.UUID | None
    last_event_at: datetime
