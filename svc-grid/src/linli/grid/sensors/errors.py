"""Refusals of the sensors domain."""

from __future__ import annotations

from linli.common.errors import Conflict, NotFound, Unauthenticated


class DeviceNotFound(NotFound):
    """No such device, or not one of the caller's scope."""

    problem = "device-not-found"
    title_en = "Device not found"
    title_zh = "设备不存在"


class BadDeviceCredentials(Unauthenticated):
    """The device id and secret do not match a device that is registered and not revoked."""

    problem = "bad-device-credentials"
    title_en = "Invalid device credentials"
    title_zh = "设备凭证无效"


class AlreadyAcknowledged(Conflict):
    """The alarm was acknowledged already."""

    problem = "alarm-acknowledged"
    title_en = "Alarm already acknowledged"
    title_zh = "告警已确认"
