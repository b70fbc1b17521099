"""Request and response bodies of devices and sensor alerts."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from linli.grid.incidents.schemas import CategoryCode
from linli.grid.text import CategoryName, Note


class DeviceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grid_id: uuid.UUID
    name: CategoryName = Field(examples=["江边3号水位摄像头"])


class DeviceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_code: str
    grid_id: uuid.UUID
    name: str
    created_at: datetime
    revoked_at: datetime | None


class DeviceCreated(DeviceRead):
    secret: str = Field(
        description="Shown once, never again: the device sends HTTP Basic `<id>:<secret>`"
    )


class AlertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: CategoryCode = Field(description="The incident category the alert reports")
    note: Note | None = None


class AlertAccepted(BaseModel):
    incident_id: uuid.UUID
    alert_count: int = Field(description="Alerts folded into the incident so far")
    opened: bool = Field(description="True when this alert opened the incident (and its alarm)")
