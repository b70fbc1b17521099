"""Typed handlers: type checked, data validated, subjects derived; what no handler reads is parked."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.consumers import (
    DEAD_LETTER_STREAM,
    ConsumerSpec,
    EventConsumer,
    EventNotHandled,
    ProcessedEvent,
    UnprocessableEvent,
    handler,
    republish_dead_letters,
)
from linli.common.events import CloudEvent
from linli.common.nats import NatsConnection

Sessions = async_sessionmaker[AsyncSession]
V1 = "cn.linli.kerneltest.thing.happened.v1"
V2 = "cn.linli.kerneltest.thing.happened.v2"


class ThingHappened(BaseModel):
    """The consumer's own copy of the fields it reads from v1."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["cn.linli.kerneltest.thing.happened.v1"]
    community_code: str
    thing_id: str


class ThingRemoved(BaseModel):
    type: Literal["cn.linli.kerneltest.thing.removed.v1"]
    thing_id: str


seen: list[tuple[str, str]] = []


async def on_happened(session: AsyncSession, thing: ThingHappened, event: CloudEvent) -> None:
    await session.execute(
        text("INSERT INTO test_effects (event_id, note) VALUES (:id, :note)"),
        {"id": event.id, "note": thing.thing_id},
    )


async def on_removed(session: AsyncSession, thing: ThingRemoved, event: CloudEvent) -> None:
    seen.append((event.id, thing.thing_id))


def cloud_event(event_type: str, data: dict[str, Any]) -> CloudEvent:
    return CloudEvent(
        id=str(uuid.uuid4()),
        source="/kerneltest",
        type=event_type,
        subject="t",
        time=datetime.now(UTC),
        data={"type": event_type, **data},
    )


def test_the_handler_reads_its_type_and_subject_from_the_model() -> None:
    typed = handler(ThingHappened, on_happened)
    assert (typed.type, typed.service, typed.entity, typed.verb, typed.version) == (
        V1,
        "kerneltest",
        "thing",
        "happened",
        1,
    )
    spec = ConsumerSpec.of("things", typed, handler(ThingRemoved, on_removed))
    assert spec.durable == "things"
    assert spec.filter_subjects == [
        "linli.*.*.*.*.kerneltest.thing.happened",
        "linli.*.*.*.*.kerneltest.thing.removed",
    ]


def test_versions_of_one_event_share_a_filter_and_a_type_has_one_handler() -> None:
    class ThingHappenedV2(BaseModel):
        type: Literal["cn.linli.kerneltest.thing.happened.v2"]

    async def on_v2(session: AsyncSession, thing: ThingHappenedV2, event: CloudEvent) -> None:
        pass

    spec = ConsumerSpec.of(
        "things", handler(ThingHappened, on_happened), handler(ThingHappenedV2, on_v2)
    )
    assert spec.filter_subjects == ["linli.*.*.*.*.kerneltest.thing.happened"]
    with pytest.raises(ValueError, match="two handlers"):
        ConsumerSpec.of(
            "things", handler(ThingHappened, on_happened), handler(ThingHappened, on_happened)
        )
    with pytest.raises(ValueError, match="at least one"):
        ConsumerSpec.of("things")


def test_a_model_without_a_versioned_type_literal_is_refused() -> None:
    class Untyped(BaseModel):
        type: str

    class Unversioned(BaseModel):
        type: Literal["cn.linli.kerneltest.thing.happened"]

    class NoType(BaseModel):
        thing_id: str

    for model in (Untyped, Unversioned, NoType):
        with pytest.raises(TypeError, match="Literal"):
            handler(model, on_happened)  # type: ignore[arg-type]


async def test_invalid_data_is_unprocessable_with_its_fields(db: Sessions) -> None:
    spec = ConsumerSpec.of("things", handler(ThingHappened, on_happened))
    async with db() as session:
        with pytest.raises(UnprocessableEvent) as refused:
            await spec.handler(session, cloud_event(V1, {"thing_id": 7}))
    assert {error["field"] for error in refused.value.errors} == {"community_code", "thing_id"}
    assert "community_code" in str(refused.value)


async def test_a_type_no_handler_reads_is_not_handled(db: Sessions, community: str) -> None:
    spec = ConsumerSpec.of("things", handler(ThingHappened, on_happened))
    async with db() as session:
        with pytest.raises(EventNotHandled, match="v2"):
            await spec.handler(
                session, cloud_event(V2, {"community_code": community, "thing_id": "x"})
            )


# --- against NATS ------------------------------------------------------------------------------


def subject_of(community: str) -> str:
    return f"linli.{community[:4]}.{community[:6]}.{community[:9]}.{community}.kerneltest.thing.happened"


@pytest.fixture
async def typed_consumer(
    db: Sessions, nats: NatsConnection, community: str
) -> AsyncIterator[EventConsumer]:
    spec = ConsumerSpec.of(
        f"kerneltest_{uuid.uuid4().hex[:12]}", handler(ThingHappened, on_happened)
    )
    # The spec's own filter spans every division, and the stream is shared by the session's
    # tests: this consumer reads only the test's community.
    consumer = EventConsumer(
        db, nats, durable=spec.durable, filter_subjects=subject_of(community), handler=spec.handler
    )
    yield consumer
    js = await nats.jetstream()
    await js.delete_consumer(nats.stream, consumer.durable)


async def publish(nats: NatsConnection, community: str, event: CloudEvent) -> int:
    js = await nats.jetstream()
    ack = await js.publish(
        subject_of(community), event.model_dump_json().encode(), headers={"Nats-Msg-Id": event.id}
    )
    return ack.seq


async def test_a_newer_version_is_dead_lettered_not_acked_as_processed(
    db: Sessions, nats: NatsConnection, community: str, typed_consumer: EventConsumer
) -> None:
    before = cloud_event(V1, {"community_code": community, "thing_id": "before"})
    newer = cloud_event(V2, {"community_code": community, "thing_id": "newer", "colour": "red"})
    after = cloud_event(V1, {"community_code": community, "thing_id": "after"})
    await publish(nats, community, before)
    newer_seq = await publish(nats, community, newer)
    await publish(nats, community, after)

    async with asyncio.timeout(20):
        assert await typed_consumer.run_until_idle(idle_s=0.5) == 3

    async with db() as session:
        effects = (await session.execute(text("SELECT note FROM test_effects ORDER BY note"))).all()
        processed = set(
            await session.scalars(
                select(ProcessedEvent.event_id).where(
                    ProcessedEvent.consumer == typed_consumer.durable
                )
            )
        )
    # The consumer went on past it, in order, and holds no record of having processed it.
    assert [row[0] for row in effects] == ["after", "before"]
    assert processed == {before.id, after.id}

    js = await nats.jetstream()
    info = await js.consumer_info(nats.stream, typed_consumer.durable)
    assert (info.num_pending, info.num_ack_pending, info.num_redelivered) == (0, 0, 0)
    # Still retrievable: on the event stream where it was, and parked with why and whence.
    kept = await js.get_msg(nats.stream, newer_seq)
    assert kept.data is not None
    assert CloudEvent.model_validate_json(kept.data).id == newer.id
    parked = await js.get_last_msg(DEAD_LETTER_STREAM, f"linli_dlq.{typed_consumer.durable}")
    assert parked.data is not None
    assert CloudEvent.model_validate_json(parked.data) == newer
    assert parked.headers is not None
    assert parked.headers["Linli-Dlq-Reason"] == "unhandled-type"
    assert parked.headers["Linli-Dlq-Subject"] == subject_of(community)
    assert parked.headers["Linli-Dlq-Sequence"] == str(newer_seq)
    assert parked.headers["Linli-Dlq-Consumer"] == typed_consumer.durable


async def test_unprocessable_and_malformed_messages_are_dead_lettered_too(
    db: Sessions, nats: NatsConnection, community: str, typed_consumer: EventConsumer
) -> None:
    await publish(nats, community, cloud_event(V1, {"community_code": community}))
    js = await nats.jetstream()
    await js.publish(subject_of(community), b"not a cloud event")
    async with asyncio.timeout(20):
        assert await typed_consumer.run_until_idle(idle_s=0.5) == 2
    parked = await js.pull_subscribe(
        f"linli_dlq.{typed_consumer.durable}", stream=DEAD_LETTER_STREAM
    )
    try:
        messages = await parked.fetch(2, timeout=5)
    finally:
        await parked.unsubscribe()
    assert sorted(m.headers["Linli-Dlq-Reason"] for m in messages if m.headers) == [
        "malformed",
        "unprocessable",
    ]


async def test_republished_dead_letters_reach_a_consumer_that_now_reads_them(
    db: Sessions, nats: NatsConnection, community: str, typed_consumer: EventConsumer
) -> None:
    newer = cloud_event(V2, {"community_code": community, "thing_id": "newer"})
    await publish(nats, community, newer)
    async with asyncio.timeout(20):
        await typed_consumer.run_until_idle(idle_s=0.5)

    class ThingHappenedV2(BaseModel):
        type: Literal["cn.linli.kerneltest.thing.happened.v2"]
        thing_id: str

    async def on_v2(session: AsyncSession, thing: ThingHappenedV2, event: CloudEvent) -> None:
        await session.execute(
            text("INSERT INTO test_effects (event_id, note) VALUES (:id, :note)"),
            {"id": event.id, "note": f"v2 {thing.thing_id}"},
        )

    # The same durable, deployed again with a handler for v2.
    upgraded = ConsumerSpec.of(
        typed_consumer.durable, handler(ThingHappened, on_happened), handler(ThingHappenedV2, on_v2)
    )
    consumer = EventConsumer(
        db,
        nats,
        durable=typed_consumer.durable,
        filter_subjects=subject_of(community),
        handler=upgraded.handler,
    )
    js = await nats.jetstream()
    assert await republish_dead_letters(js, typed_consumer.durable) == 1
    assert await republish_dead_letters(js, typed_consumer.durable) == 0  # moved, not copied
    async with asyncio.timeout(20):
        assert await consumer.run_until_idle(idle_s=0.5) == 1

    async with db() as session:
        effects = (await session.execute(text("SELECT event_id, note FROM test_effects"))).all()
    assert [tuple(row) for row in effects] == [(newer.id, "v2 newer")]
