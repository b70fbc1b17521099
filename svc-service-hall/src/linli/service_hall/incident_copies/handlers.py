"""The hall's durable subscription to svc-grid's incident events."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.consumers import ConsumerSpec, handler
from linli.common.events import CloudEvent
from linli.service_hall.incident_copies import service
from linli.service_hall.incident_copies.schemas import CHANGES, IncidentChange, IncidentLinked


async def on_incident(session: AsyncSession, change: IncidentChange, event: CloudEvent) -> None:
    await service.apply(session, change=change, event=event)


_MODELS: tuple[type[IncidentChange], ...] = (*CHANGES, IncidentLinked)
_HANDLERS: list[Any] = [handler(model, on_incident) for model in _MODELS]

INCIDENTS_CONSUMER = ConsumerSpec.of("service-hall-incidents", *_HANDLERS)
