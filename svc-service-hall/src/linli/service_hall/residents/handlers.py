"""What the hall does with svc-residents' events: keep its copy of residents and households."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.consumers import ConsumerSpec, handler
from linli.common.events import CloudEvent
from linli.service_hall.residents import service
from linli.service_hall.residents.schemas import (
    HouseholdCreated,
    HouseholdDeleted,
    HouseholdEvent,
    HouseholdMoved,
    ResidentApproved,
    ResidentCreated,
    ResidentDeleted,
    ResidentEvent,
    ResidentMoved,
    ResidentTagged,
    ResidentUpdated,
)


async def on_resident(session: AsyncSession, change: ResidentEvent, event: CloudEvent) -> None:
    """The event's time orders the changes, whatever order they are delivered in."""
    await service.apply_resident_event(session, change=change, at=event.time)


async def on_household(session: AsyncSession, change: HouseholdEvent, event: CloudEvent) -> None:
    await service.apply_household_event(session, change=change, at=event.time)


RESIDENTS_CONSUMER = ConsumerSpec.of(
    "service-hall-residents",
    handler(ResidentApproved, on_resident),
    handler(ResidentCreated, on_resident),
    handler(ResidentUpdated, on_resident),
    handler(ResidentTagged, on_resident),
    handler(ResidentDeleted, on_resident),
    handler(ResidentMoved, on_resident),
    handler(HouseholdCreated, on_household),
    handler(HouseholdMoved, on_household),
    handler(HouseholdDeleted, on_household),
)
