"""Durable consumers: one effect per event id, retries on failure, malformed messages dropped."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.consumers import EventConsumer, ProcessedEvent, UnprocessableEvent
from linli.common.events import CloudEvent
from linli.common.nats import NatsConnection
from linli.common.outbox import EventRecorder
from linli.common.outbox.relay import OutboxRelay

Sessions = async_sessionmaker[AsyncSession]


def subject_of(community: str) -> str:
    return f"linli.{community[:4]}.{community[:6]}.{community[:9]}.{community}.kerneltest.thing.happened"


def cloud_event(community: str, *, thing_id: str = "t1") -> CloudEvent:
    return CloudEvent(
        id=str(uuid.uuid4()),
        source="/kerneltest",
        type="cn.linli.kerneltest.thing.happened.v1",
        subject=thing_id,
        time=datetime.now(UTC),
        data={"community_code": community, "thing_id": thing_id},
    )


async def publish(nats: NatsConnection, subject: str, body: bytes) -> None:
    """Publish with a fresh Nats-Msg-Id, as a retry after the duplicate window would."""
    js = await nats.jetstream()
    await js.publish(subject, body, headers={"Nats-Msg-Id": str(uuid.uuid4())})


async def record_effect(session: AsyncSession, event: CloudEvent) -> None:
    await session.execute(
        text("INSERT INTO test_effects (event_id, note) VALUES (:id, :note)"),
        {"id": event.id, "note": event.data["thing_id"]},
    )


async def wait_for_effects(sessions: Sessions, count: int) -> None:
    async with asyncio.timeout(20):
        # Polling: the effects live in PostgreSQL, there is no local event to await.
        while len(await effects(sessions)) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def effects(sessions: Sessions) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = await session.execute(text("SELECT event_id, note FROM test_effects ORDER BY note"))
        return [(row[0], row[1]) for row in rows]


@pytest.fixture
async def consumers(nats: NatsConnection) -> AsyncIterator[list[EventConsumer]]:
    """Consumers a test makes; their durables are deleted afterwards (the stream is shared)."""
    made: list[EventConsumer] = []
    yield made
    js = await nats.jetstream()
    for consumer in made:
        await consumer.stop()
        await js.delete_consumer(nats.stream, consumer.durable)


def make_consumer(
    made: list[EventConsumer],
    db: Sessions,
    nats: NatsConnection,
    community: str,
    handler: Any,
    **kw: Any,
) -> EventConsumer:
    consumer = EventConsumer(
        db,
        nats,
        durable=f"kerneltest_{uuid.uuid4().hex[:12]}",
        filter_subjects=subject_of(community),
        handler=handler,
        **kw,
    )
    made.append(consumer)
    return consumer


async def test_a_redelivered_event_changes_nothing(
    db: Sessions, nats: NatsConnection, community: str, consumers: list[EventConsumer]
) -> None:
    consumer = make_consumer(consumers, db, nats, community, record_effect)
    event = cloud_event(community)
    # Two copies with different Nats-Msg-Ids: JetStream keeps both, the consumer applies one.
    await publish(nats, subject_of(community), event.model_dump_json().encode())
    await publish(nats, subject_of(community), event.model_dump_json().encode())
    async with asyncio.timeout(20):
        assert await consumer.run_until_idle(idle_s=0.5) == 2
    assert await effects(db) == [(event.id, "t1")]
    async with db() as session:
        recorded = await session.scalar(
            select(func.count()).where(ProcessedEvent.consumer == consumer.durable)
        )
    assert recorded == 1
    js = await nats.jetstream()
    info = await js.consumer_info(nats.stream, consumer.durable)
    assert info.num_pending == 0
    assert info.num_ack_pending == 0


async def test_a_failing_handler_is_retried_and_its_partial_effect_rolled_back(
    db: Sessions, nats: NatsConnection, community: str, consumers: list[EventConsumer]
) -> None:
    calls = 0

    async def flaky(session: AsyncSession, event: CloudEvent) -> None:
        nonlocal calls
        calls += 1
        await record_effect(session, event)  # written, then rolled back with the failure
        if calls < 3:
            raise RuntimeError("downstream not ready")

    consumer = make_consumer(consumers, db, nats, community, flaky, retry_delay_s=0.05)
    event = cloud_event(community)
    await publish(nats, subject_of(community), event.model_dump_json().encode())
    async with asyncio.timeout(20):
        await consumer.run_until_idle(idle_s=1.0)
    assert calls == 3
    assert await effects(db) == [(event.id, "t1")]


async def test_an_event_that_always_fails_stops_after_max_deliver(
    db: Sessions, nats: NatsConnection, community: str, consumers: list[EventConsumer]
) -> None:
    calls = 0

    async def broken(session: AsyncSession, event: CloudEvent) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("bug")

    consumer = make_consumer(
        consumers, db, nats, community, broken, retry_delay_s=0.05, max_deliver=3
    )
    await publish(nats, subject_of(community), cloud_event(community).model_dump_json().encode())
    async with asyncio.timeout(20):
        await consumer.run_until_idle(idle_s=1.0)
    assert calls == 3
    js = await nats.jetstream()
    info = await js.consumer_info(nats.stream, consumer.durable)
    assert info.num_ack_pending == 0


async def test_an_unprocessable_event_is_terminated_at_once(
    db: Sessions, nats: NatsConnection, community: str, consumers: list[EventConsumer]
) -> None:
    calls = 0

    async def unreadable(session: AsyncSession, event: CloudEvent) -> None:
        nonlocal calls
        calls += 1
        await record_effect(session, event)  # rolled back with the refusal
        raise UnprocessableEvent("data has no field the handler can read")

    consumer = make_consumer(
        consumers, db, nats, community, unreadable, retry_delay_s=0.05, max_deliver=5
    )
    await publish(nats, subject_of(community), cloud_event(community).model_dump_json().encode())
    async with asyncio.timeout(20):
        await consumer.run_until_idle(idle_s=1.0)
    assert calls == 1
    assert await effects(db) == []
    js = await nats.jetstream()
    info = await js.consumer_info(nats.stream, consumer.durable)
    assert info.num_ack_pending == 0
    assert info.num_redelivered == 0


async def test_a_malformed_message_is_terminated_without_calling_the_handler(
    db: Sessions, nats: NatsConnection, community: str, consumers: list[EventConsumer]
) -> None:
    called = False

    async def handler(session: AsyncSession, event: CloudEvent) -> None:
        nonlocal called
        called = True

    consumer = make_consumer(consumers, db, nats, community, handler)
    await publish(nats, subject_of(community), b"not a cloud event")
    await publish(nats, subject_of(community), b'{"specversion": "1.0"}')
    async with asyncio.timeout(20):
        assert await consumer.run_until_idle(idle_s=0.5) == 2
    assert not called
    js = await nats.jetstream()
    info = await js.consumer_info(nats.stream, consumer.durable)
    assert info.num_ack_pending == 0
    assert info.num_redelivered == 0


async def test_outbox_to_consumer_end_to_end(
    db: Sessions,
    nats: NatsConnection,
    community: str,
    thing_event: type[Any],
    consumers: list[EventConsumer],
) -> None:
    consumer = make_consumer(consumers, db, nats, community, record_effect, fetch_wait_s=0.5)
    relay = OutboxRelay(db, nats, poll_interval_s=0.2)
    await consumer.start()
    await relay.start()
    try:
        async with db() as session, session.begin():
            events = EventRecorder(session, source="/kerneltest")
            for n in range(20):
                await events.record(
                    thing_event(community_code=community, thing_id=f"t{n:02}"),
                    subject_id=f"t{n:02}",
                )
        await wait_for_effects(db, 20)
    finally:
        await relay.stop()
    assert [note for _, note in await effects(db)] == [f"t{n:02}" for n in range(20)]


async def test_consumer_subscribes_once_nats_comes_up_and_survives_a_crash(
    db: Sessions, private_nats: Any, community: str
) -> None:
    private_nats.kill()
    connection = NatsConnection(private_nats.url, name="consumer-crash-test")
    consumer = EventConsumer(
        db,
        connection,
        durable="kerneltest_crash",
        filter_subjects=subject_of(community),
        handler=record_effect,
        fetch_wait_s=0.3,
    )
    await connection.start()
    await consumer.start()
    try:
        await asyncio.sleep(0.5)  # consumer waits for a NATS that is not there
        private_nats.start()
        first = cloud_event(community, thing_id="before")
        await publish(connection, subject_of(community), first.model_dump_json().encode())
        await wait_for_effects(db, 1)

        private_nats.kill()
        await asyncio.sleep(0.5)
        private_nats.start()
        second = cloud_event(community, thing_id="then")
        async with asyncio.timeout(20):
            await publish(connection, subject_of(community), second.model_dump_json().encode())
        await wait_for_effects(db, 2)
    finally:
        await consumer.stop()
        await connection.stop()
    assert {note for _, note in await effects(db)} == {"before", "then"}
