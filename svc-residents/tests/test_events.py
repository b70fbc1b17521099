"""The published side: outbox rows parse as the service's event union, and the relay delivers
`resident.approved` to a district's wildcard subscriber as CloudEvents JSON."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import nats
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.events import subtree_filter
from linli.residents.app import create_app
from linli.residents.config import Settings
from linli.residents.events import ResidentApproved, residents_event_adapter
from linli.testing import OutboxReader, serve_app
from linli.testing.tokens import TestIssuer

pytestmark = pytest.mark.usefixtures("tree")

PayloadFactory = Callable[..., dict[str, Any]]


async def test_every_outbox_row_parses_as_a_residents_event(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    registration_payload: PayloadFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    resident = issuer.headers(roles=[Role.RESIDENT])
    worker = issuer.headers(roles=[Role.COMMUNITY_WORKER], scope="330108001001")
    created = await client.post("/registrations", json=registration_payload(), headers=resident)
    await client.post(f"/registrations/{created.json()['id']}/approve", headers=worker)

    rows = await OutboxReader(sessionmaker).messages()

    events = [residents_event_adapter.validate_python(row.payload["data"]) for row in rows]
    assert sorted(type(e).__name__ for e in events) == [
        "BuildingCreated",
        "DwellingCreated",
        "HouseholdCreated",
        "ResidentApproved",
        "ResidentRegistered",
        "UnitCreated",
    ]
    assert all(row.payload["source"] == "/linli/residents" for row in rows)
    assert all(row.subject == e.subject() for row, e in zip(rows, events, strict=True))


async def test_a_district_subscriber_receives_resident_approved(
    settings: Settings, issuer: TestIssuer, registration_payload: PayloadFactory
) -> None:
    relay_on = settings.model_copy(update={"run_outbox_relay": True, "outbox_poll_interval_s": 0.2})
    subscriber = await nats.connect(settings.nats_url)
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def collect(message: Any) -> None:
        await received.put(json.loads(message.data))

    await subscriber.subscribe(subtree_filter("330108"), cb=collect)
    try:
        app = create_app(relay_on, token_verifier=issuer.verifier())
        async with serve_app(app) as client:
            resident = issuer.headers(roles=[Role.RESIDENT])
            worker = issuer.headers(roles=[Role.COMMUNITY_WORKER], scope="330108001001")
            created = await client.post(
                "/registrations", json=registration_payload(), headers=resident
            )
            registration_id = created.json()["id"]
            approved = await client.post(
                f"/registrations/{registration_id}/approve", headers=worker
            )
            assert approved.status_code == 200

            async def approved_event() -> dict[str, Any]:
                while True:
                    event = await received.get()
                    data = event["data"]
                    if event["type"] == ResidentApproved.model_fields["type"].default and (
                        data["registration_id"] == registration_id
                    ):
                        return event

            event = await asyncio.wait_for(approved_event(), timeout=10)
    finally:
        await subscriber.drain()

    assert event["specversion"] == "1.0"
    assert event["source"] == "/linli/residents"
    assert event["data"]["resident_id"] == approved.json()["resident_id"]
    assert registration_payload()["id_number"] not in json.dumps(event)


async def test_a_request_that_writes_many_events_wakes_the_relay_once(
    create_resident: Callable[..., Awaitable[dict[str, Any]]], outbox: OutboxReader
) -> None:
    notifies: list[str] = []

    def count_notifies(*args: Any) -> None:
        if "pg_notify" in args[2]:
            notifies.append(args[2])

    # Every engine: the app under test makes its own in its lifespan.
    event.listen(Engine, "before_cursor_execute", count_notifies)
    try:
        await create_resident(building="9幢")
    finally:
        event.remove(Engine, "before_cursor_execute", count_notifies)

    # Building, unit, dwelling, household and resident: five events, one NOTIFY.
    assert len(await outbox.messages()) == 5
    assert len(notifies) == 1
