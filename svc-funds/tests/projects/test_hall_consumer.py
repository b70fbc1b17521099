"""End to end through real JetStream: the hall's proposal.adopted and canteen.day_closed,
published on their community's subjects, reach the running service's consumers once each."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from linli.common.events import CloudEvent, event_subject
from linli.common.nats import NatsConnection
from linli.funds.app import create_app
from linli.funds.config import Settings
from linli.funds.ledger.handlers import CANTEEN_CONSUMER
from linli.funds.projects.handlers import HALL_PROPOSALS_CONSUMER
from linli.testing import serve_app
from linli.testing.tokens import TestIssuer

FundFactory = Callable[..., Awaitable[dict[str, Any]]]
COMMUNITY = "330108001001"


@pytest.fixture
async def running(
    settings: Settings, issuer: TestIssuer
) -> AsyncIterator[tuple[httpx.AsyncClient, JetStreamContext]]:
    """The service with its consumers, and JetStream of a publisher of its own (the hall's)."""
    app = create_app(
        settings.model_copy(update={"run_consumers": True}), token_verifier=issuer.verifier()
    )
    publisher = NatsConnection(settings.nats_url, stream=settings.nats_stream, name="test-hall")
    async with serve_app(app) as client:
        try:
            async with asyncio.timeout(10):
                js = await publisher.jetstream()
            yield client, js
        finally:
            await publisher.stop()


def hall_event(entity: str, verb: str, subject: str, data: dict[str, Any]) -> CloudEvent:
    kind = f"cn.linli.service-hall.{entity}.{verb}.v1"
    return CloudEvent(
        id=str(uuid.uuid4()),
        source="/linli/service-hall",
        type=kind,
        subject=subject,
        time=datetime.now(UTC),
        data={"type": kind, "community_code": COMMUNITY, **data},
    )


async def publish_and_settle(
    js: JetStreamContext,
    settings: Settings,
    durable: str,
    entity: str,
    verb: str,
    event: CloudEvent,
) -> None:
    ack = await js.publish(
        event_subject(COMMUNITY, "service-hall", entity, verb),
        event.model_dump_json().encode(),
        headers={"Nats-Msg-Id": event.id},
    )
    for _ in range(150):
        try:
            info = await js.consumer_info(settings.nats_stream, durable)
        except NotFoundError:
            pass  # the app creates its consumers in the background, once NATS is connected
        else:
            if (info.ack_floor.stream_seq or 0) >= ack.seq:
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{durable} did not settle message {ack.seq}")


async def test_the_halls_events_reach_the_fund_once(
    running: tuple[httpx.AsyncClient, JetStreamContext],
    settings: Settings,
    create_fund: FundFactory,
) -> None:
    client, js = running
    fund = await create_fund()
    proposal = {
        "proposal_id": str(uuid.uuid4()),
        "title": "加装楼道扶手",
        "summary": "议一议通过：为3幢加装扶手。",
    }
    adopted = hall_event("proposal", "adopted", proposal["proposal_id"], proposal)
    durable = HALL_PROPOSALS_CONSUMER.durable
    await publish_and_settle(js, settings, durable, "proposal", "adopted", adopted)
    again = adopted.model_copy(update={"id": str(uuid.uuid4())})
    await publish_and_settle(js, settings, durable, "proposal", "adopted", again)
    projects = (await client.get(f"/funds/{fund['id']}/projects")).json()["items"]
    assert [p["hall_proposal_id"] for p in projects] == [proposal["proposal_id"]]

    site_id = str(uuid.uuid4())
    day: dict[str, Any] = {
        "site_id": site_id,
        "business_date": "2026-12-02",
        "takings_fen": 100_000,
        "subsidy_fen": 20_000,
        "profit_fen": 9_000,
    }
    closed = hall_event("canteen", "day_closed", site_id, day)
    await publish_and_settle(
        js, settings, CANTEEN_CONSUMER.durable, "canteen", "day_closed", closed
    )
    assert (await client.get(f"/funds/{fund['id']}")).json()["balance_fen"] == 9_000
