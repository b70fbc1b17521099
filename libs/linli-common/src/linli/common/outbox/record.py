"""record_event: the one way a service emits an event."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.events import CloudEvent, DomainEvent, new_cloud_event
from linli.common.outbox.models import OutboxMessage

# NOTIFY is delivered only when the transaction commits, which is exactly when the relay may publish.
OUTBOX_CHANNEL = "linli_outbox"


async def record_event(
    session: AsyncSession, event: DomainEvent, *, source: str, subject_id: str
) -> CloudEvent:
    """Write `event` to the outbox inside the caller's transaction; it is published after commit."""
    cloud_event = new_cloud_event(event, source=source, subject_id=subject_id)
    session.add(
        OutboxMessage(
            id=uuid.UUID(cloud_event.id),
            subject=event.subject(),
            type=cloud_event.type,
            payload=cloud_event.model_dump(mode="json"),
        )
    )
    await session.execute(text(f"SELECT pg_notify('{OUTBOX_CHANNEL}', '')"))
    return cloud_event
