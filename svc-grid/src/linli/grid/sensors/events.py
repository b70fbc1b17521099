"""Events of devices and alarms, on the community's subject; no secrets, no free text."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from linli.common.events import DomainEvent


class _DeviceEvent(DomainEvent):
    service: ClassVar[str] = "grid"
    entity: ClassVar[str] = "device"

    device_id: uuid.UUID
    grid_id: uuid.UUID


class DeviceRegistered(_DeviceEvent):
    """A sensor was registered to a grid (its secret never leaves the answer to its creator)."""

    verb: ClassVar[str] = "registered"
    type: Literal["cn.linli.grid.device.registered.v1"] = "cn.linli.grid.device.registered.v1"


class DeviceRevoked(_DeviceEvent):
    """A sensor's credential was revoked; its alerts are refused from now on."""

    verb: ClassVar[str] = "revoked"
    type: Literal["cn.linli.grid.device.revoked.v1"] = "cn.linli.grid.device.revoked.v1"


class _AlarmEvent(DomainEvent):
    service: ClassVar[str] = "grid"
    entity: ClassVar[str] = "alarm"

    incident_id: uuid.UUID
    grid_id: uuid.UUID | None


class AlarmRaised(_AlarmEvent):
    """A sensor's alert opened an incident: addressed to the grid's on-duty worker, at once."""

    verb: ClassVar[str] = "raised"
    type: Literal["cn.linli.grid.alarm.raised.v1"] = "cn.linli.grid.alarm.raised.v1"
    device_id: uuid.UUID
    category: str
    worker_subject: str | None = Field(
        description="Account id of who is on duty (the community's fallback when the grid has "
        "nobody); null when nobody is"
    )
    raised_at: datetime


class AlarmAcknowledged(_AlarmEvent):
    """Someone took the alarm on; `response_seconds` since it was raised."""

    verb: ClassVar[str] = "acknowledged"
    type: Literal["cn.linli.grid.alarm.acknowledged.v1"] = "cn.linli.grid.alarm.acknowledged.v1"
    worker_subject: str
    response_seconds: float


SensorEvent = DeviceRegistered | DeviceRevoked | AlarmRaised | AlarmAcknowledged
