"""Queries of devices and of the incident an alert folds into."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.grid.incidents.machine import OPEN
from linli.grid.models import Device, Incident


class SensorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def device(self, device_id: uuid.UUID, *, for_update: bool = False) -> Device | None:
        statement = select(Device).where(Device.id == device_id)
        if for_update:
            statement = statement.with_for_update()
        device: Device | None = await self.session.scalar(
            statement.execution_options(populate_existing=True)
        )
        return device

    async def folding_incident(
        self, *, device_id: uuid.UUID, category: str, since: datetime
    ) -> Incident | None:
        """The device's open incident of this category whose last alert came after `since`."""
        incident: Incident | None = await self.session.scalar(
            select(Incident)
            .where(
                Incident.device_id == device_id,
                Incident.category_code == category,
                Incident.status.in_(OPEN),
                Incident.last_alert_at >= since,
            )
            .order_by(Incident.last_alert_at.desc())
            .limit(1)
        )
        return incident
