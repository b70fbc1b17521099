"""The event recorder: rows in the caller's transaction, bulk COPY, one NOTIFY per transaction."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from linli.common.db import DbSession, create_sessionmaker
from linli.common.events import DomainEvent
from linli.common.nats import NatsConnection
from linli.common.outbox import OUTBOX_CHANNEL, EventRecorder, Events, OutboxMessage, events_of
from linli.common.outbox.relay import OutboxRelay, asyncpg_connect_args

Sessions = async_sessionmaker[AsyncSession]


@contextmanager
def notify_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every `pg_notify` statement the engine sends while the block runs."""
    sent: list[str] = []

    def before_cursor_execute(*args: Any) -> None:
        statement: str = args[2]
        if "pg_notify" in statement:
            sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before_cursor_execute)


@pytest.fixture
async def notifications(kernel_db_url: str) -> AsyncIterator[asyncio.Queue[str]]:
    """NOTIFYs on the outbox channel, as the relay's LISTEN connection receives them."""
    received: asyncio.Queue[str] = asyncio.Queue()
    conn = await asyncpg.connect(**asyncpg_connect_args(kernel_db_url))
    await conn.add_listener(OUTBOX_CHANNEL, lambda *args: received.put_nowait(args[3]))
    yield received
    await conn.close()


async def outbox(sessions: Sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.subject)))


async def test_a_transaction_of_many_events_sends_one_notify_at_commit(
    db: Sessions,
    engine: AsyncEngine,
    community: str,
    thing_event: type[Any],
    notifications: asyncio.Queue[str],
) -> None:
    with notify_statements(engine) as sent:
        async with db() as session, session.begin():
            events = EventRecorder(session, source="/kerneltest")
            for n in range(5):
                await events.record(
                    thing_event(community_code=community, thing_id=f"t{n}"), subject_id=f"t{n}"
                )
            await events.record_many(
                (thing_event(community_code=community, thing_id=f"bulk{n}"), f"bulk{n}")
                for n in range(50)
            )
            assert sent == []  # nothing before the commit
        assert len(sent) == 1
        async with asyncio.timeout(5):
            await notifications.get()

        # The next transaction of the same session owes a NOTIFY of its own only if it records.
        async with db() as session, session.begin():
            await session.execute(select(OutboxMessage.id).limit(1))
        assert len(sent) == 1

    rows = await outbox(db)
    assert len(rows) == 55
    assert {row.payload["source"] for row in rows} == {"/kerneltest"}


async def test_a_rolled_back_transaction_leaves_no_row_and_no_notify(
    db: Sessions,
    engine: AsyncEngine,
    community: str,
    thing_event: type[Any],
    notifications: asyncio.Queue[str],
) -> None:
    with notify_statements(engine) as sent:
        async with db() as session:
            async with session.begin():
                events = EventRecorder(session, source="/kerneltest")
                await events.record(
                    thing_event(community_code=community, thing_id="lost"), subject_id="lost"
                )
                await events.record_many(
                    [(thing_event(community_code=community, thing_id="gone"), "gone")]
                )
                await session.rollback()
            # The same session, next transaction: nothing recorded, so nothing owed.
            async with session.begin():
                await session.execute(select(OutboxMessage.id).limit(1))
    assert sent == []
    assert [r.payload["data"]["thing_id"] for r in await outbox(db)] == []
    await asyncio.sleep(0.2)
    assert notifications.empty()


async def test_an_event_kept_after_a_rolled_back_savepoint_still_wakes_the_relay(
    db: Sessions, engine: AsyncEngine, community: str, thing_event: type[Any]
) -> None:
    with notify_statements(engine) as sent:
        async with db() as session, session.begin():
            events = EventRecorder(session, source="/kerneltest")
            savepoint = await session.begin_nested()
            await events.record(
                thing_event(community_code=community, thing_id="undone"), subject_id="undone"
            )
            await savepoint.rollback()
            await events.record(
                thing_event(community_code=community, thing_id="kept"), subject_id="kept"
            )
    assert len(sent) == 1
    assert [row.payload["subject"] for row in await outbox(db)] == ["kept"]


async def test_bulk_rows_are_what_record_writes_and_the_relay_publishes_them(
    db: Sessions, nats: NatsConnection, community: str, thing_event: type[Any], stream_count: Any
) -> None:
    async with db() as session, session.begin():
        events = EventRecorder(session, source="/kerneltest")
        one = await events.record(
            thing_event(community_code=community, thing_id="one"), subject_id="one"
        )
        assert await events.record_many(iter(())) == 0
        assert (
            await events.record_many(
                (thing_event(community_code=community, thing_id=f"b{n}"), uuid.UUID(int=n))
                for n in range(3)
            )
            == 3
        )
    rows = {row.payload["data"]["thing_id"]: row for row in await outbox(db)}
    single, bulk = rows["one"], rows["b1"]
    assert single.payload == one.model_dump(mode="json")
    assert bulk.subject == single.subject
    assert bulk.type == single.type
    assert bulk.payload.keys() == single.payload.keys()
    assert bulk.payload["subject"] == str(uuid.UUID(int=1))

    assert await OutboxRelay(db, nats, listen=False).drain_once() == 4
    assert await stream_count(nats, community) == 4


async def test_bulk_refuses_clear_pii_like_record(db: Sessions, community: str) -> None:
    class PhoneLeaked(DomainEvent):
        service = "kerneltest"
        entity = "thing"
        verb = "happened"
        type: str = "cn.linli.kerneltest.thing.happened.v1"
        note: str

    from linli.common.events import ClearPiiInEvent

    async with db() as session, session.begin():
        with pytest.raises(ClearPiiInEvent):
            await EventRecorder(session, source="/kerneltest").record_many(
                [(PhoneLeaked(community_code=community, note="call 13812345678"), "x")]
            )


async def test_the_events_dependency_records_on_the_requests_session(
    db: Sessions, engine: AsyncEngine, community: str, thing_event: type[Any]
) -> None:
    app = FastAPI()
    app.state.sessionmaker = create_sessionmaker(engine, event_source="/linli/kerneltest")

    @app.post("/things")
    async def create(session: DbSession, events: Events) -> dict[str, bool]:
        await events.record(thing_event(community_code=community, thing_id="web"), subject_id="web")
        return {"same_session": events.session is session}

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        answer = await client.post("/things")
    assert answer.json() == {"same_session": True}
    [row] = await outbox(db)
    assert row.payload["source"] == "/linli/kerneltest"


async def test_a_session_without_a_source_cannot_record(
    db: Sessions, community: str, thing_event: type[Any]
) -> None:
    async with db() as session:
        with pytest.raises(RuntimeError, match="event_source"):
            events_of(session)
