"""End to end through real JetStream: resident.approved published on its subject lands in the roster
once; a newer version is parked, not processed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from nats.js import JetStreamContext
from nats.js.api import PubAck
from nats.js.errors import NotFoundError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.consumers import DEAD_LETTER_STREAM, ProcessedEvent
from linli.common.events import CloudEvent, event_subject
from linli.common.nats import NatsConnection
from linli.grid.app import create_app
from linli.grid.config import Settings
from linli.grid.models.roster import RosterHousehold, RosterMember
from linli.grid.roster.handlers import ROSTER_CONSUMER
from linli.testing import serve_app
from linli.testing.tokens import TestIssuer

ApprovedEventFactory = Callable[..., CloudEvent]


async def roster_counts(
    sessionmaker: async_sessionmaker[AsyncSession], household_id: uuid.UUID
) -> tuple[int, int, int | None]:
    """(household rows, member rows, the household's `members`) for one household."""
    async with sessionmaker() as session:
        households = await session.scalar(
            select(func.count()).where(RosterHousehold.household_id == household_id)
        )
        members = await session.scalar(
            select(func.count()).where(RosterMember.household_id == household_id)
        )
        counted = await session.scalar(
            select(RosterHousehold.members).where(RosterHousehold.household_id == household_id)
        )
    return int(households or 0), int(members or 0), counted


@pytest.fixture
async def js(settings: Settings, issuer: TestIssuer) -> AsyncIterator[JetStreamContext]:
    """JetStream of a publisher of its own (as svc-residents' relay would be), while the grid
    runs with its roster consumer."""
    app = create_app(
        settings.model_copy(update={"run_consumers": True}), token_verifier=issuer.verifier()
    )
    publisher = NatsConnection(
        settings.nats_url, stream=settings.nats_stream, name="test-publisher"
    )
    async with serve_app(app):
        try:
            async with asyncio.timeout(10):
                js = await publisher.jetstream()
            yield js
        finally:
            await publisher.stop()


async def publish(js: JetStreamContext, community_code: str, event: CloudEvent) -> PubAck:
    subject = event_subject(community_code, "residents", "resident", "approved")
    return await js.publish(
        subject, event.model_dump_json().encode(), headers={"Nats-Msg-Id": event.id}
    )


async def settled(js: JetStreamContext, settings: Settings, ack: PubAck) -> None:
    """Wait until the roster consumer has settled everything up to `ack`."""
    for _ in range(150):
        try:
            info = await js.consumer_info(settings.nats_stream, ROSTER_CONSUMER.durable)
        except NotFoundError:
            pass  # the app creates its consumer in the background, once NATS is connected
        else:
            if (info.ack_floor.stream_seq or 0) >= ack.seq:
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the roster consumer did not settle message {ack.seq}")


async def test_resident_approved_reaches_the_roster_once_through_jetstream(
    js: JetStreamContext,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    approved_event: ApprovedEventFactory,
    community_code: str,
) -> None:
    event = approved_event(community_code=community_code)
    household_id = uuid.UUID(event.data["household_id"])
    subject = event_subject(community_code, "residents", "resident", "approved")
    assert subject.startswith(f"linli.3301.330108.{community_code[:9]}.{community_code}.")

    await settled(js, settings, await publish(js, community_code, event))
    assert await roster_counts(sessionmaker, household_id) == (1, 1, 1)

    # The same approval again under a new event id: past JetStream's de-duplication, caught by
    # the roster itself.
    duplicate = event.model_copy(update={"id": str(uuid.uuid4())})
    ack = await publish(js, community_code, duplicate)
    assert not ack.duplicate
    await settled(js, settings, ack)
    assert await roster_counts(sessionmaker, household_id) == (1, 1, 1)


async def test_a_newer_resident_approved_is_parked_for_a_consumer_that_reads_it(
    js: JetStreamContext,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    approved_event: ApprovedEventFactory,
    community_code: str,
) -> None:
    v1 = approved_event(community_code=community_code)
    v2 = approved_event(community_code=community_code).model_copy(
        update={"type": "cn.linli.residents.resident.approved.v2"}
    )

    newer = await publish(js, community_code, v2)
    await settled(js, settings, await publish(js, community_code, v1))

    # The v1 behind it was applied; the v2 was not, and is not recorded as processed.
    assert (await roster_counts(sessionmaker, uuid.UUID(v1.data["household_id"])))[0] == 1
    assert (await roster_counts(sessionmaker, uuid.UUID(v2.data["household_id"])))[0] == 0
    async with sessionmaker() as session:
        processed = set(
            await session.scalars(
                select(ProcessedEvent.event_id).where(
                    ProcessedEvent.consumer == ROSTER_CONSUMER.durable,
                    ProcessedEvent.event_id.in_([v1.id, v2.id]),
                )
            )
        )
    assert processed == {v1.id}
    parked = await js.pull_subscribe(
        f"linli_dlq.{ROSTER_CONSUMER.durable}", stream=DEAD_LETTER_STREAM
    )
    try:
        copies = [
            m
            for m in await parked.fetch(50, timeout=5)
            if m.headers and m.headers["Linli-Dlq-Sequence"] == str(newer.seq)
        ]
    finally:
        await parked.unsubscribe()
    assert [CloudEvent.model_validate_json(m.data).id for m in copies] == [v2.id]
    assert copies[0].headers is not None
    assert copies[0].headers["Linli-Dlq-Reason"] == "unhandled-type"
