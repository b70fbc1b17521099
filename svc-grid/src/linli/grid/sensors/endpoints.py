"""HTTP API of sensors: `/devices`, `/sensor-alerts` (device credentials), alarm acknowledgement."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel

from linli.common.auth import CurrentPrincipal
from linli.common.db import DbSession
from linli.common.openapi import problem_responses
from linli.grid.config import AppSettings
from linli.grid.sensors import service
from linli.grid.sensors.errors import BadDeviceCredentials
from linli.grid.sensors.schemas import (
    AlertAccepted,
    AlertIn,
    DeviceCreate,
    DeviceCreated,
    DeviceRead,
)

router = APIRouter(tags=["sensors"])

# Devices authenticate with HTTP Basic (device id, secret): what any IoT HTTP client can send.
_device_basic = HTTPBasic(auto_error=False, description="Device id and its secret")


@router.post(
    "/devices",
    response_model=DeviceCreated,
    status_code=201,
    summary="Register a sensor device",
    responses=problem_responses(
        {403: "Community workers only", 404: "No such grid of your scope", 422: "Invalid body"}
    ),
)
async def register(
    session: DbSession, principal: CurrentPrincipal, device_in: DeviceCreate
) -> DeviceCreated:
    """A device of a grid of your community. The answer holds its secret, shown this once."""
    device, secret = await service.register_device(
        session, device_in=device_in, principal=principal
    )
    return DeviceCreated(**DeviceRead.model_validate(device).model_dump(), secret=secret)


@router.delete(
    "/devices/{device_id}",
    status_code=204,
    summary="Revoke a device's credential",
    responses=problem_responses(
        {403: "Community workers only", 404: "No such device of your scope"}
    ),
)
async def revoke(session: DbSession, principal: CurrentPrincipal, device_id: uuid.UUID) -> Response:
    """Its alerts are refused (401) from now on."""
    await service.revoke_device(session, device_id=device_id, principal=principal)
    return Response(status_code=204)


@router.post(
    "/sensor-alerts",
    response_model=AlertAccepted,
    status_code=202,
    summary="Send a sensor alert (device credentials)",
    responses=problem_responses(
        {401: "Wrong, unknown or revoked device credentials", 422: "Invalid body or unknown kind"},
        authenticated=False,
    ),
)
async def sensor_alert(
    session: DbSession,
    settings: AppSettings,
    alert_in: AlertIn,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(_device_basic)],
) -> AlertAccepted:
    """Alerts of one device and kind within the fold window (10 minutes unless configured, per
    kind too) of the last fold into one incident (a counter); the first opens it and raises
    `alarm.raised` to the grid's on-duty worker."""
    if credentials is None:
        raise BadDeviceCredentials("send the device id and secret as HTTP Basic credentials")
    device = await service.authenticated_device(
        session, username=credentials.username, password=credentials.password
    )
    return await service.alert(
        session, device=device, alert_in=alert_in, fold_window=settings.fold_window(alert_in.kind)
    )


class Acknowledged(BaseModel):
    incident_id: uuid.UUID
    response_seconds: float


@router.post(
    "/incidents/{incident_id}/acknowledge",
    response_model=Acknowledged,
    summary="Acknowledge a sensor alarm",
    responses=problem_responses(
        {
            403: "Only the on-duty worker or the grid's staff",
            404: "No such incident, or not one you may see",
            409: "No alarm, or acknowledged already",
        }
    ),
)
async def acknowledge(
    session: DbSession, principal: CurrentPrincipal, incident_id: uuid.UUID
) -> Acknowledged:
    """Take the alarm on; the response time since it was raised is recorded and published."""
    seconds = await service.acknowledge(session, incident_id=incident_id, principal=principal)
    return Acknowledged(incident_id=incident_id, response_seconds=seconds)
