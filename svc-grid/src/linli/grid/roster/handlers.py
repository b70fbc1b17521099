"""What the roster does with events from other services: resident.approved fills it."""

from __future__ import annotations

import structlog
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.app import ConsumerSpec
from linli.common.errors import field_errors
from linli.common.events import CloudEvent
from linli.grid.roster import service
from linli.grid.roster.errors import MalformedResidentApproved
from linli.grid.roster.schemas import RESIDENT_APPROVED_TYPE, ResidentApproved

log = structlog.get_logger("linli.grid.roster")


async def on_resident_approved(session: AsyncSession, event: CloudEvent) -> None:
    """Copy an approved resident and their household into the roster, once however often it comes."""
    if event.type != RESIDENT_APPROVED_TYPE:
        # A later version on the same subject: this consumer reads v1 only, and says so loudly
        # rather than guessing at fields it was not written for.
        log.warning("event type not handled by the roster", type=event.type, event_id=event.id)
        return
    try:
        approval = ResidentApproved.model_validate(event.data)
    except ValidationError as exc:
        errors = field_errors(exc.errors())
        fields = ", ".join(error["field"] for error in errors)
        raise MalformedResidentApproved(
            f"event {event.id} ({event.type}) has invalid data fields: {fields}", errors=errors
        ) from exc
    await service.record_approval(session, approval=approval, event_id=event.id)


ROSTER_CONSUMER = ConsumerSpec(
    durable="grid-roster",
    filter_subjects=["linli.*.*.*.*.residents.resident.approved"],
    handler=on_resident_approved,
)
