"""EventRecorder: the one way a service emits events, one at a time or in bulk.

A recorder is bound to one session (the request's unit of work) and to the service's CloudEvents
`source`, which the service's sessionmaker carries (`create_sessionmaker(engine, event_source=...)`,
done by the frame), so a service function writes
`await events_of(session).record(event, subject_id=...)` and an endpoint may take `events: Events`.
The rows ride
in the session's transaction: an event exists if and only if its change commits. The relay is
woken by one `pg_notify` per committed transaction that recorded anything, issued just before
the commit, not one per event: a request that writes fifty events costs one NOTIFY round trip.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from linli.common.db import EVENT_SOURCE_INFO, DbSession
from linli.common.events import CloudEvent, DomainEvent, new_cloud_event
from linli.common.outbox.models import OutboxMessage
from linli.common.transaction import stage

__all__ = ["OUTBOX_CHANNEL", "EventRecorder", "Events", "events_of"]

# NOTIFY is delivered only when the transaction commits, which is exactly when the relay may publish.
OUTBOX_CHANNEL = "linli_outbox"
NOTIFY_STATEMENT = f"SELECT pg_notify('{OUTBOX_CHANNEL}', '')"

# Staged in a transaction that wrote outbox rows: its commit wakes the relay.
_PENDING_NOTIFY = "linli.outbox.notify"

OutboxRow = tuple[uuid.UUID, str, str, str]
"""(event id, NATS subject, CloudEvent type, CloudEvent JSON): one outbox row for COPY."""


class EventRecorder:
    """Writes a service's events into the outbox of `session`'s transaction, under `source`."""

    def __init__(self, session: AsyncSession, *, source: str) -> None:
        self.session = session
        self.source = source

    async def record(self, event: DomainEvent, *, subject_id: str | uuid.UUID) -> CloudEvent:
        """Write one event (published after commit); `subject_id` is the id of what changed."""
        cloud_event = new_cloud_event(event, source=self.source, subject_id=str(subject_id))
        self.session.add(
            OutboxMessage(
                id=uuid.UUID(cloud_event.id),
                subject=event.subject(),
                type=cloud_event.type,
                payload=cloud_event.model_dump(mode="json"),
            )
        )
        _notify_at_commit(self.session)
        return cloud_event

    async def record_many(self, events: Iterable[tuple[DomainEvent, str | uuid.UUID]]) -> int:
        """Write many events with one COPY; returns how many. For bulk writers (an import).

        `events` may be a generator: it is consumed, and the envelopes built and checked for
        clear PII, in a worker thread, since that is CPU work of about 50 µs an event.
        """
        rows = await asyncio.to_thread(self._rows, events)
        if not rows:
            return 0
        connection = await self.session.connection()
        raw: Any = await connection.get_raw_connection()
        # The asyncpg connection under the session: same transaction, so same commit or rollback.
        driver = raw.driver_connection
        if not driver.is_in_transaction():
            # SQLAlchemy's asyncpg adapter sends BEGIN with its first statement; a COPY straight
            # through the driver before that would commit on its own, whatever the caller does.
            await connection.execute(text("SELECT 1"))
        await driver.copy_records_to_table(
            OutboxMessage.__tablename__,
            columns=["id", "subject", "type", "payload"],
            records=rows,
        )
        _notify_at_commit(self.session)
        return len(rows)

    def _rows(self, events: Iterable[tuple[DomainEvent, str | uuid.UUID]]) -> list[OutboxRow]:
        rows: list[OutboxRow] = []
        for domain_event, subject_id in events:
            cloud_event = new_cloud_event(
                domain_event, source=self.source, subject_id=str(subject_id)
            )
            rows.append(
                (
                    uuid.UUID(cloud_event.id),
                    domain_event.subject(),
                    cloud_event.type,
                    cloud_event.model_dump_json(),
                )
            )
        return rows


def events_of(session: AsyncSession) -> EventRecorder:
    """The recorder of `session`, under the source its sessionmaker was made with."""
    source = session.info.get(EVENT_SOURCE_INFO)
    if not isinstance(source, str):
        raise RuntimeError(
            "this session cannot record events: make its sessionmaker with "
            "create_sessionmaker(engine, event_source=settings.event_source)"
        )
    return EventRecorder(session, source=source)


async def _request_events(session: DbSession) -> EventRecorder:
    return events_of(session)


Events = Annotated[EventRecorder, Depends(_request_events)]
"""`events: Events` in an endpoint: the recorder on the same session as its `DbSession`."""


def _notify_at_commit(session: AsyncSession) -> None:
    stage(session, _PENDING_NOTIFY, lambda: True, _notify)


def _notify(session: Session, _: bool) -> None:
    session.execute(text(NOTIFY_STATEMENT))
