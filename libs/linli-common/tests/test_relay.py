"""The outbox relay against real PostgreSQL and NATS JetStream, including a NATS that dies."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import nats as nats_py
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.events import CloudEvent, DomainEvent
from linli.common.nats import NatsConnection
from linli.common.outbox import EventRecorder, OutboxMessage
from linli.common.outbox.relay import OutboxRelay, asyncpg_connect_args

Sessions = async_sessionmaker[AsyncSession]


async def record(
    sessions: Sessions, event_class: type[Any], community: str, count: int = 1
) -> list[CloudEvent]:
    """Commit `count` events in one transaction, as a service's request would."""
    recorded = []
    async with sessions() as session, session.begin():
        events = EventRecorder(session, source="/kerneltest")
        for n in range(count):
            event: DomainEvent = event_class(community_code=community, thing_id=f"t{n}")
            recorded.append(await events.record(event, subject_id=f"t{n}"))
    return recorded


async def unsent(sessions: Sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)))
        return list(rows)


async def eventually(check: Any, *, within_s: float = 20.0) -> None:
    """Wait until the async predicate holds."""
    async with asyncio.timeout(within_s):
        # Polling: the state lives in PostgreSQL and NATS, there is no local event to await.
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def test_event_is_published_iff_its_transaction_commits(
    db: Sessions, nats: NatsConnection, community: str, thing_event: type[Any], stream_count: Any
) -> None:
    class RequestFailed(Exception):
        pass

    with pytest.raises(RequestFailed):
        async with db() as session, session.begin():
            await EventRecorder(session, source="/kerneltest").record(
                thing_event(community_code=community, thing_id="lost"), subject_id="lost"
            )
            raise RequestFailed
    relay = OutboxRelay(db, nats, listen=False)
    assert await relay.drain_once() == 0
    assert await stream_count(nats, community) == 0

    [event] = await record(db, thing_event, community)
    assert await relay.drain_once() == 1
    assert await unsent(db) == []

    js = await nats.jetstream()
    subject = f"linli.{community[:4]}.{community[:6]}.{community[:9]}.{community}.kerneltest.thing.happened"
    stored = await js.get_last_msg(nats.stream, subject)
    assert stored.headers is not None
    assert stored.headers["Nats-Msg-Id"] == event.id
    assert stored.data is not None
    assert CloudEvent.model_validate_json(stored.data) == event
    assert json.loads(stored.data)["specversion"] == "1.0"


async def test_republishing_a_row_is_dropped_by_msg_id(
    db: Sessions, nats: NatsConnection, community: str, thing_event: type[Any], stream_count: Any
) -> None:
    await record(db, thing_event, community, count=3)
    relay = OutboxRelay(db, nats, listen=False)
    assert await relay.drain_once() == 3
    # As if the first acks had been lost: the rows are published again with the same ids.
    async with db() as session, session.begin():
        await session.execute(update(OutboxMessage).values(sent_at=None))
    assert await relay.drain_once() == 3
    assert await stream_count(nats, community) == 3


async def test_two_relays_publish_each_event_exactly_once(
    db: Sessions,
    nats: NatsConnection,
    nats_url: str,
    community: str,
    thing_event: type[Any],
    stream_count: Any,
) -> None:
    # A plain subscriber sees every publish, including those JetStream would de-duplicate.
    watcher = await nats_py.connect(nats_url)
    seen: list[str] = []

    async def on_message(msg: Any) -> None:
        seen.append(msg.headers["Nats-Msg-Id"])

    await watcher.subscribe(f"linli.*.*.*.{community}.>", cb=on_message)
    await watcher.flush()
    events = await record(db, thing_event, community, count=500)

    second = NatsConnection(nats_url, name="second-replica")
    one = OutboxRelay(db, nats, listen=False, batch_size=50)
    two = OutboxRelay(db, second, listen=False, batch_size=50)
    try:
        counts = await asyncio.gather(one.drain_once(), two.drain_once())
        assert sum(counts) == 500
        await eventually(lambda: _true(len(seen) >= 500))
        await asyncio.sleep(0.2)  # room for a double publish to show up
    finally:
        await second.stop()
        await watcher.close()
    assert sorted(seen) == sorted(e.id for e in events)
    assert await stream_count(nats, community) == 500
    assert await unsent(db) == []


async def _true(value: bool) -> bool:
    return value


async def test_a_running_relay_puts_one_subjects_events_on_the_stream_in_commit_order(
    db: Sessions, nats: NatsConnection, community: str, thing_event: type[Any]
) -> None:
    relay = OutboxRelay(db, nats, poll_interval_s=60)
    await relay.start()
    try:
        async with asyncio.timeout(10):
            await relay.listening.wait()
        # One transaction after another, as fast as they commit: most arrive while the relay
        # is busy with the one before, so batches are claimed beside others still in flight.
        for n in range(200):
            async with db() as session, session.begin():
                await EventRecorder(session, source="/kerneltest").record(
                    thing_event(community_code=community, thing_id=f"t{n}"), subject_id=f"t{n}"
                )
        await eventually(lambda: _none_unsent(db))
    finally:
        await relay.stop()

    js = await nats.jetstream()
    reader = await js.pull_subscribe(f"linli.*.*.*.{community}.>", stream=nats.stream)
    stored: list[str] = []
    async with asyncio.timeout(20):
        while len(stored) < 200:
            stored += [json.loads(msg.data)["data"]["thing_id"] for msg in await reader.fetch(200)]
    await reader.unsubscribe()
    assert stored == [f"t{n}" for n in range(200)]


async def test_rows_wait_while_nats_was_never_reachable(
    db: Sessions, closed_port_url: str, community: str, thing_event: type[Any]
) -> None:
    await record(db, thing_event, community, count=2)
    nowhere = NatsConnection(closed_port_url, connect_timeout_s=0.2)
    relay = OutboxRelay(db, nowhere, listen=False, connect_wait_s=0.3)
    try:
        assert await relay.drain_once() == 0
    finally:
        await nowhere.stop()
    assert len(await unsent(db)) == 2


async def test_nats_crash_keeps_rows_and_publishes_them_after_restart(
    db: Sessions, private_nats: Any, community: str, thing_event: type[Any], stream_count: Any
) -> None:
    connection = NatsConnection(private_nats.url, name="crash-test")
    relay = OutboxRelay(db, connection, listen=False, ack_timeout_s=0.5)
    try:
        await record(db, thing_event, community, count=5)
        assert await relay.drain_once() == 5

        private_nats.kill()
        await record(db, thing_event, community, count=20)
        assert await relay.drain_once() == 0
        rows = await unsent(db)
        assert len(rows) == 20
        assert all(row.attempts == 1 and row.last_error for row in rows)

        private_nats.start()

        # Publishes buffered by nats-py during the outage reach the server on reconnect, and
        # the relay publishes the same rows again: Nats-Msg-Id keeps one copy of each.
        async def all_sent() -> bool:
            await relay.drain_once()
            return not await unsent(db)

        await eventually(all_sent)
        assert await stream_count(connection, community) == 25
    finally:
        await connection.stop()


async def test_running_relay_rides_out_a_nats_outage(
    db: Sessions, private_nats: Any, community: str, thing_event: type[Any], stream_count: Any
) -> None:
    connection = NatsConnection(private_nats.url, name="outage-test")
    relay = OutboxRelay(db, connection, poll_interval_s=0.2, ack_timeout_s=0.5)
    await relay.start()
    try:
        await record(db, thing_event, community, count=3)
        await eventually(lambda: _none_unsent(db))

        private_nats.kill()
        await record(db, thing_event, community, count=10)
        await asyncio.sleep(1.5)
        assert len(await unsent(db)) == 10
        assert relay.running

        private_nats.start()
        await eventually(lambda: _none_unsent(db))
        assert await stream_count(connection, community) == 13
    finally:
        await relay.stop()
        await connection.stop()


async def _none_unsent(sessions: Sessions) -> bool:
    return not await unsent(sessions)


async def test_notify_wakes_the_relay_and_listen_survives_a_dropped_connection(
    db: Sessions, nats: NatsConnection, community: str, thing_event: type[Any]
) -> None:
    # Polling every minute: anything faster than that came through LISTEN/NOTIFY.
    relay = OutboxRelay(db, nats, poll_interval_s=60)
    await relay.start()
    try:
        async with asyncio.timeout(10):
            await relay.listening.wait()
        await asyncio.sleep(0.2)  # let the catch-up pass after LISTEN go back to waiting
        await record(db, thing_event, community)
        await eventually(lambda: _none_unsent(db), within_s=5)

        async with db() as session, session.begin():
            killed = await session.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = 'linli-outbox-listen' AND datname = current_database()"
                )
            )
        assert killed == 1
        await eventually(lambda: _true(not relay.listening.is_set()), within_s=15)
        async with asyncio.timeout(15):
            await relay.listening.wait()
        await asyncio.sleep(0.2)
        await record(db, thing_event, community)
        await eventually(lambda: _none_unsent(db), within_s=5)
    finally:
        await relay.stop()


async def test_failed_rows_count_attempts_and_keep_the_error(
    db: Sessions, nats: NatsConnection, community: str, thing_event: type[Any]
) -> None:
    [event] = await record(db, thing_event, community)
    # A subject outside every stream: JetStream has no one to answer.
    async with db() as session, session.begin():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == uuid.UUID(event.id))
            .values(subject="nostream.kerneltest")
        )
    relay = OutboxRelay(db, nats, listen=False, ack_timeout_s=1)
    assert await relay.drain_once() == 0
    assert await relay.drain_once() == 0
    async with db() as session:
        row = await session.get_one(OutboxMessage, uuid.UUID(event.id))
    assert row.sent_at is None
    assert row.attempts == 2
    assert row.last_error
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


async def test_running_relay_rides_out_its_database_connections_being_killed(
    db: Sessions, nats: NatsConnection, community: str, thing_event: type[Any]
) -> None:
    relay = OutboxRelay(db, nats, poll_interval_s=0.2)
    await relay.start()
    try:
        await record(db, thing_event, community)
        await eventually(lambda: _none_unsent(db))

        # Every other connection to this database: the relay's pooled ones and its LISTEN.
        async with db() as session, session.begin():
            killed = await session.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        assert killed is not None and killed >= 2
        await asyncio.sleep(0.2)  # the pool learns of a closed connection from its EOF
        await record(db, thing_event, community, count=3)
        await eventually(lambda: _none_unsent(db), within_s=10)
        assert relay.running
    finally:
        await relay.stop()


def _lag_gauge() -> float:
    value = REGISTRY.get_sample_value("linli_outbox_oldest_unsent_age_seconds")
    assert value is not None
    return value


async def test_the_lag_gauge_grows_while_nats_is_away(
    db: Sessions, private_nats: Any, community: str, thing_event: type[Any]
) -> None:
    connection = NatsConnection(private_nats.url, name="lag-test")
    relay = OutboxRelay(db, connection, poll_interval_s=0.2, ack_timeout_s=0.3)
    await relay.start()
    try:
        await record(db, thing_event, community)
        await eventually(lambda: _none_unsent(db))
        await eventually(lambda: _true(_lag_gauge() == 0), within_s=5)

        # The outage is what the gauge is for: every pass fails, and the gauge still moves.
        private_nats.kill()
        await record(db, thing_event, community)
        await eventually(lambda: _true(_lag_gauge() >= 1), within_s=15)

        private_nats.start()
        await eventually(lambda: _none_unsent(db))
        await eventually(lambda: _true(_lag_gauge() == 0), within_s=10)
    finally:
        await relay.stop()
        await connection.stop()


async def _idle_in_transaction(sessions: Sessions) -> int:
    async with sessions() as session:
        count = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND state = 'idle in transaction'"
            )
        )
    return count or 0


async def test_a_relay_stopped_while_awaiting_acks_leaves_no_row_locked(
    db: Sessions, private_nats: Any, community: str, thing_event: type[Any]
) -> None:
    connection = NatsConnection(private_nats.url, name="stop-test")
    await connection.jetstream()
    # Acks that cannot come: the relay holds its claimed rows, waiting.
    relay = OutboxRelay(db, connection, listen=False, ack_timeout_s=60)
    try:
        private_nats.kill()
        await record(db, thing_event, community, count=3)
        await relay.start()

        async def claim_held() -> bool:
            return await _idle_in_transaction(db) == 1

        await eventually(claim_held)
        await relay.stop()

        # The claim was rolled back, not handed back to the pool still holding its locks.
        assert await _idle_in_transaction(db) == 0
        async with db() as session, session.begin():
            lockable = await session.scalars(select(OutboxMessage.id).with_for_update(nowait=True))
            assert len(lockable.all()) == 3
        assert all(row.attempts == 0 for row in await unsent(db))
    finally:
        await relay.stop()
        await connection.stop()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql+asyncpg://app:s%40cret@db.internal:6432/grid",
            {
                "user": "app",
                "password": "s@cret",
                "host": "db.internal",
                "port": 6432,
                "database": "grid",
            },
        ),
        (
            "postgresql+asyncpg://postgres@/postgres?host=/tmp/pg-socket",
            {"user": "postgres", "host": "/tmp/pg-socket", "database": "postgres"},
        ),
    ],
)
def test_listen_connection_reads_urls_like_sqlalchemy(url: str, expected: dict[str, Any]) -> None:
    assert asyncpg_connect_args(url) == expected
