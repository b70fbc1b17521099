"""What the roster does with svc-residents' events: approvals, and the registry's household and
resident changes (created, updated, moved, deleted), each applied once and in event-time order."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.consumers import ConsumerSpec, handler
from linli.common.events import CloudEvent
from linli.grid.roster import service
from linli.grid.roster.schemas import (
    HouseholdCreated,
    HouseholdDeleted,
    HouseholdEvent,
    HouseholdMoved,
    HouseholdUpdated,
    ResidentApproved,
    ResidentCreated,
    ResidentDeleted,
    ResidentEvent,
    ResidentMoved,
    ResidentTagged,
    ResidentUpdated,
)


async def on_resident_approved(
    session: AsyncSession, approval: ResidentApproved, event: CloudEvent
) -> None:
    """Copy an approved resident and their household into the roster, once however often it comes."""
    await service.record_approval(session, approval=approval, event_id=event.id)


async def on_household(session: AsyncSession, change: HouseholdEvent, event: CloudEvent) -> None:
    """The registry's own household changes; the event's time orders them, whatever order they
    are delivered in."""
    await service.apply_household_event(session, change=change, at=event.time, event_id=event.id)


async def on_resident(session: AsyncSession, change: ResidentEvent, event: CloudEvent) -> None:
    await service.apply_resident_event(session, change=change, at=event.time, event_id=event.id)


# A later version of any of these on the same subject is dead-lettered by the kernel, not
# guessed at: this consumer reads v1 only.
ROSTER_CONSUMER = ConsumerSpec.of(
    "grid-roster",
    handler(ResidentApproved, on_resident_approved),
    handler(HouseholdCreated, on_household),
    handler(HouseholdUpdated, on_household),
    handler(HouseholdMoved, on_household),
    handler(HouseholdDeleted, on_household),
    handler(ResidentCreated, on_resident),
    handler(ResidentUpdated, on_resident),
    handler(ResidentMoved, on_resident),
    handler(ResidentTagged, on_resident),
    handler(ResidentDeleted, on_resident),
)
