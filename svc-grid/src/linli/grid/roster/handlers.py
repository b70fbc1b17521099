"""What the roster does with events from other services: resident.approved fills it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.consumers import ConsumerSpec, handler
from linli.common.events import CloudEvent
from linli.grid.roster import service
from linli.grid.roster.schemas import ResidentApproved


async def on_resident_approved(
    session: AsyncSession, approval: ResidentApproved, event: CloudEvent
) -> None:
    """Copy an approved resident and their household into the roster, once however often it comes."""
    await service.record_approval(session, approval=approval, event_id=event.id)


# A later version of resident.approved on the same subject is dead-lettered by the kernel, not
# guessed at: this consumer reads v1 only.
ROSTER_CONSUMER = ConsumerSpec.of("grid-roster", handler(ResidentApproved, on_resident_approved))
