"""The published side: every outbox row parses as one of the cooperative's events on its own
subject, and the relay delivers a claim to a street's wildcard subscriber on real NATS, with
no phone in it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import nats

from linli.common.events import subtree_filter
from linli.jobs_coop.app import create_app
from linli.jobs_coop.config import Settings
from linli.jobs_coop.events import coop_event_adapter
from linli.jobs_coop.tasks.events import TaskClaimed
from linli.testing import OutboxReader, serve_app
from linli.testing.tokens import TestIssuer

Headers = dict[str, str]
Factory = Callable[..., Any]


async def test_every_outbox_row_is_a_catalogued_event_on_its_communitys_subject(
    client: httpx.AsyncClient,
    post_order: Factory,
    enrol: Factory,
    resident: Callable[..., Headers],
    outbox: OutboxReader,
) -> None:
    await enrol("甲", account_subject="res-a")
    order = await post_order(quantity=100)
    await client.post(f"/work-orders/{order['id']}/claims", json={}, headers=resident("res-a"))
    rows = await outbox.messages()
    events = [coop_event_adapter.validate_python(row.payload["data"]) for row in rows]
    assert all(row.subject == e.subject() for row, e in zip(rows, events, strict=True))
    assert all(
        row.subject.startswith("linli.3301.330108.330108001.330108001001.jobs-coop.")
        for row in rows
    )
    assert all(row.payload["source"] == "/linli/jobs-coop" for row in rows)


async def test_a_street_subscriber_receives_the_claim(
    settings: Settings,
    issuer: TestIssuer,
    coordinator: Headers,
) -> None:
    relay_on = settings.model_copy(update={"run_outbox_relay": True, "outbox_poll_interval_s": 0.2})
    subscriber = await nats.connect(settings.nats_url)
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def collect(message: Any) -> None:
        await received.put(json.loads(message.data))

    await subscriber.subscribe(subtree_filter("330108001"), cb=collect)
    try:
        async with serve_app(create_app(relay_on, token_verifier=issuer.verifier())) as client:
            member = await client.post(
                "/members",
                json={
                    "community_code": "330108001001",
                    "name": "王丽",
                    "phone": "13912340000",
                    "consent": True,
                    "skills": [{"skill": "beading", "level": 2}],
                },
                headers=coordinator,
            )
            firm = (
                await client.post(
                    "/enterprises",
                    json={
                        "community_code": "330108001001",
                        "name": "滨江饰品",
                        "industry": "串珠",
                        "contact_name": "陈",
                    },
                    headers=coordinator,
                )
            ).json()
            await client.put(f"/enterprises/{firm['id']}/accounts/firm-login", headers=coordinator)
            await client.post(
                f"/enterprises/{firm['id']}/agreements",
                json={
                    "number": "A1",
                    "starts_on": "2026-01-01",
                    "ends_on": "2030-12-31",
                    "terms": "计件",
                },
                headers=coordinator,
            )
            posted = await client.post(
                "/work-orders",
                json={
                    "item": "串珠手链",
                    "quantity": 100,
                    "piece_rate_fen": 35,
                    "deadline": "2030-01-01",
                    "required_skill": "beading",
                    "pickup_site": "邻里中心",
                    "quality_standard": "无松动",
                },
                headers=issuer.headers(
                    roles=["enterprise"], scope="330108001001", subject="firm-login"
                ),
            )
            order_id = posted.json()["id"]
            await client.post(
                f"/work-orders/{order_id}/split", json={"batch_size": 40}, headers=coordinator
            )
            claimed = await client.post(
                f"/work-orders/{order_id}/claims",
                json={"member_id": member.json()["id"]},
                headers=coordinator,
            )
            assert claimed.status_code == 201, claimed.text

            async def claim_event() -> dict[str, Any]:
                while True:
                    event = await received.get()
                    if event["type"] == TaskClaimed.model_fields["type"].default:
                        return event

            event = await asyncio.wait_for(claim_event(), timeout=10)
    finally:
        await subscriber.drain()

    assert event["specversion"] == "1.0"
    assert event["data"]["task_id"] == claimed.json()["id"]
    assert (event["data"]["quantity"], event["data"]["quantity_left"]) == (40, 60)
    assert "13912340000" not in json.dumps(event) and "王丽" not in json.dumps(
        event, ensure_ascii=False
    )
