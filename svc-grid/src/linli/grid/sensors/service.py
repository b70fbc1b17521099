"""Rules of sensors: credentials per device, alerts folded per device and kind, alarms at once.

Alerts of one device are serialized on its row (`FOR UPDATE`): a burst of concurrent alerts of
one device and kind inside the fold window becomes one incident with a counter, never two.
The alarm event rides in the transaction that opens the incident, so the relay publishes it on
commit (woken by NOTIFY, not by a poll).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.errors import Conflict, Forbidden
from linli.common.outbox import events_of
from linli.grid import access
from linli.grid.access import Actor
from linli.grid.credentials import hashed, matches, new_secret
from linli.grid.duty.repository import DutyRepository
from linli.grid.incidents import service as incidents
from linli.grid.incidents.errors import UnknownReference
from linli.grid.incidents.repository import IncidentRepository
from linli.grid.models import Device, Incident, IncidentSource
from linli.grid.sensors.errors import AlreadyAcknowledged, BadDeviceCredentials, DeviceNotFound
from linli.grid.sensors.events import (
    AlarmAcknowledged,
    AlarmRaised,
    DeviceRegistered,
    DeviceRevoked,
)
from linli.grid.sensors.repository import SensorRepository
from linli.grid.sensors.schemas import AlertAccepted, AlertIn, DeviceCreate

# Community workers register and revoke the devices of their grids.
DEVICE_ROLES = (Role.COMMUNITY_WORKER,)
# Who may take an alarm on besides the worker it was addressed to.
ACKNOWLEDGE_ROLES = (Role.GRID_WORKER, Role.COMMUNITY_WORKER)


async def register_device(
    session: AsyncSession, *, device_in: DeviceCreate, principal: Principal
) -> tuple[Device, str]:
    """The device and its secret, which is returned this once and stored only hashed."""
    principal.require_role(*DEVICE_ROLES)
    grid = await access.grid_in_scope(session, principal, device_in.grid_id)
    secret = new_secret()
    device = Device(
        community_code=grid.community_code,
        grid_id=grid.id,
        name=device_in.name,
        secret_hash=hashed(secret),
    )
    session.add(device)
    await session.flush()
    await events_of(session).record(
        DeviceRegistered(community_code=grid.community_code, device_id=device.id, grid_id=grid.id),
        subject_id=device.id,
    )
    return device, secret


async def revoke_device(
    session: AsyncSession, *, device_id: uuid.UUID, principal: Principal
) -> None:
    principal.require_role(*DEVICE_ROLES)
    device = await SensorRepository(session).device(device_id, for_update=True)
    if device is None or not principal.covers(device.community_code):
        raise DeviceNotFound()
    if device.revoked_at is not None:
        return  # revoking twice is revoking once
    device.revoked_at = datetime.now(UTC)
    await events_of(session).record(
        DeviceRevoked(
            community_code=device.community_code, device_id=device.id, grid_id=device.grid_id
        ),
        subject_id=device.id,
    )


async def authenticated_device(session: AsyncSession, *, username: str, password: str) -> Device:
    """The device whose id and secret these are: 401 for anything else, revoked included."""
    try:
        device_id = uuid.UUID(username)
    except ValueError:
        raise BadDeviceCredentials() from None
    device = await SensorRepository(session).device(device_id)
    if device is None or not matches(device.secret_hash, password):
        raise BadDeviceCredentials()
    if device.revoked_at is not None:
        raise BadDeviceCredentials("this device's credential was revoked")
    return device


async def alert(
    session: AsyncSession, *, device: Device, alert_in: AlertIn, fold_window: timedelta
) -> AlertAccepted:
    """Fold the alert into the device's open incident of its kind if its last alert came within
    `fold_window`, or open one and raise the alarm to the grid's on-duty worker (the community's
    duty worker when the grid has none)."""
    # One alert of this device at a time, until this transaction commits.
    locked = await SensorRepository(session).device(device.id, for_update=True)
    if locked is None or locked.revoked_at is not None:
        raise BadDeviceCredentials()
    category = await IncidentRepository(session).category(alert_in.kind)
    if category is None:
        raise UnknownReference("body.kind", f"no category {alert_in.kind}")
    now = datetime.now(UTC)
    current = await SensorRepository(session).folding_incident(
        device_id=device.id, category=category.code, since=now - fold_window
    )
    if current is not None:
        current.alert_count += 1
        current.last_alert_at = now
        return AlertAccepted(incident_id=current.id, alert_count=current.alert_count, opened=False)
    who = Actor(subject=f"device:{device.id}", role=Role.DEVICE.value)
    incident = Incident(
        community_code=device.community_code,
        grid_id=device.grid_id,
        building_id=None,
        address=None,
        latitude=None,
        longitude=None,
        title=f"{category.name}（{device.name}）"[:100],
        description=alert_in.note or category.name,
        source=IncidentSource.SENSOR,
        reporter_subject=who.subject,
        reporter_role=who.role,
        reporter_name_masked=None,
        device_id=device.id,
        alert_count=1,
        last_alert_at=now,
    )
    incident = await incidents.open_incident(session, incident, category, who)
    duty = DutyRepository(session)
    shift = await duty.on_duty(grid_id=device.grid_id, community_code=device.community_code, at=now)
    if shift is None:
        shift = await duty.on_duty(grid_id=None, community_code=device.community_code, at=now)
    incident.alarm_worker_subject = shift.worker_subject if shift else None
    incident.alarm_raised_at = now
    await events_of(session).record(
        AlarmRaised(
            community_code=device.community_code,
            incident_id=incident.id,
            grid_id=device.grid_id,
            device_id=device.id,
            category=category.code,
            worker_subject=incident.alarm_worker_subject,
            raised_at=now,
        ),
        subject_id=incident.id,
    )
    return AlertAccepted(incident_id=incident.id, alert_count=1, opened=True)


async def acknowledge(
    session: AsyncSession, *, incident_id: uuid.UUID, principal: Principal
) -> float:
    """Take the alarm on; returns the response time in seconds."""
    incident = await incidents.visible(session, principal, incident_id, for_update=True)
    if incident.alarm_worker_subject != principal.subject and not principal.has_role(
        *ACKNOWLEDGE_ROLES
    ):
        raise Forbidden("only the on-duty worker or the grid's staff take an alarm on")
    if incident.alarm_raised_at is None:
        raise Conflict("this incident raised no alarm")
    if incident.alarm_acknowledged_at is not None:
        raise AlreadyAcknowledged()
    now = datetime.now(UTC)
    incident.alarm_acknowledged_at = now
    response = (now - incident.alarm_raised_at).total_seconds()
    await events_of(session).record(
        AlarmAcknowledged(
            community_code=incident.community_code,
            incident_id=incident.id,
            grid_id=incident.grid_id,
            worker_subject=principal.subject,
            response_seconds=response,
        ),
        subject_id=incident.id,
    )
    return response
