"""End to end through real JetStream: the registry's resident.created and resident.tagged, as its
relay publishes them, reach the hall's read model (and a redelivery changes nothing)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from nats.js import JetStreamContext
from nats.js.api import PubAck
from nats.js.errors import NotFoundError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.events import CloudEvent, event_subject
from linli.common.nats import NatsConnection
from linli.service_hall.app import create_app
from linli.service_hall.config import Settings
from linli.service_hall.residents.handlers import RESIDENTS_CONSUMER
from linli.service_hall.residents.service import known_resident
from linli.testing import serve_app
from linli.testing.tokens import TestIssuer

Event = Callable[..., CloudEvent]


@pytest.fixture
async def js(settings: Settings, issuer: TestIssuer) -> AsyncIterator[JetStreamContext]:
    """JetStream of a publisher of its own (as svc-residents' relay would be), while the hall
    runs with its residents consumer."""
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


async def publish(js: JetStreamContext, event: CloudEvent) -> PubAck:
    entity, verb = event.type.split(".")[3:5]
    subject = event_subject(event.data["community_code"], "residents", entity, verb)
    return await js.publish(
        subject, event.model_dump_json().encode(), headers={"Nats-Msg-Id": event.id}
    )


async def settled(js: JetStreamContext, settings: Settings, ack: PubAck) -> None:
    for _ in range(150):
        try:
            info = await js.consumer_info(settings.nats_stream, RESIDENTS_CONSUMER.durable)
        except NotFoundError:
            pass  # the app creates its consumer in the background, once NATS is connected
        else:
            if (info.ack_floor.stream_seq or 0) >= ack.seq:
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the residents consumer did not settle message {ack.seq}")


async def test_registry_events_reach_the_read_model(
    js: JetStreamContext,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    registry_event: Event,
    community_code: str,
) -> None:
    resident_id, household_id = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    created = registry_event(
        "resident.created",
        at=now,
        community_code=community_code,
        resident_id=resident_id,
        household_id=household_id,
        grid_id=None,
        name_masked="周*",
        sex="female",
        birth_year=1990,
        tags=[],
    )
    tagged = registry_event(
        "resident.tagged",
        at=now + timedelta(seconds=1),
        community_code=community_code,
        resident_id=resident_id,
        household_id=household_id,
        added=["mobility_impaired"],
        removed=[],
        tags=["mobility_impaired"],
    )
    await publish(js, created)
    await publish(js, tagged)
    # A redelivery under a new message id (an outbox retry after the de-duplication window).
    await settled(
        js, settings, await publish(js, created.model_copy(update={"id": str(uuid.uuid4())}))
    )
    async with sessionmaker() as session:
        known = await known_resident(session, resident_id)
    assert known is not None
    assert (known.community_code, known.tags, known.home_visit_reason) == (
        community_code,
        ("mobility_impaired",),
        "mobility_impaired",
    )
