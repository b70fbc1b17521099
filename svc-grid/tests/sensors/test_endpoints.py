"""Sensor devices, their alerts folded into one incident under a burst, and the alarm."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nats
import pytest

from linli.common.auth import Role
from linli.grid.app import create_app
from linli.grid.models import Device, Incident
from linli.testing import OutboxReader, serve_app, short_type

Auth = Any


@pytest.fixture
async def grid_setup(
    client: httpx.AsyncClient, auth: Auth, make_place: Any, make_category: Any, community_code: str
) -> dict[str, Any]:
    place = await make_place(community_code=community_code)
    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)
    category = await make_category(dispatch_sla_minutes=5, resolve_sla_hours=2)
    await client.put(
        f"/grids/{place.grid_id}/workers/guard-1", json={"name": "周保安"}, headers=staff
    )
    now = datetime.now(UTC)
    shift = {
        "grid_id": str(place.grid_id),
        "worker_subject": "guard-1",
        "worker_name": "周保安",
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=8)).isoformat(),
    }
    assert (await client.post("/duty", json=shift, headers=staff)).status_code == 201
    created = await client.post(
        "/devices", json={"grid_id": str(place.grid_id), "name": "江边3号"}, headers=staff
    )
    assert created.status_code == 201, created.text
    device = created.json()
    return {
        "place": place,
        "staff": staff,
        "category": category,
        "device": device,
        "basic": (device["id"], device["secret"]),
    }


async def test_200_concurrent_alerts_make_one_incident_and_one_alarm(
    client: httpx.AsyncClient, grid_setup: dict[str, Any], outbox: OutboxReader, sessionmaker: Any
) -> None:
    body = {"kind": grid_setup["category"], "note": "有儿童进入危险水域"}
    answers = await asyncio.gather(
        *(client.post("/sensor-alerts", json=body, auth=grid_setup["basic"]) for _ in range(200))
    )
    assert {a.status_code for a in answers} == {202}, answers[0].text
    incidents = {a.json()["incident_id"] for a in answers}
    assert len(incidents) == 1
    assert sum(a.json()["opened"] for a in answers) == 1
    assert sorted(a.json()["alert_count"] for a in answers) == list(range(1, 201))
    [incident_id] = incidents
    async with sessionmaker() as session:
        incident = await session.get(Incident, uuid.UUID(incident_id))
        assert incident is not None
        assert (incident.alert_count, incident.source.value) == (200, "sensor")
        assert incident.alarm_worker_subject == "guard-1"
    alarms = [
        m
        for m in await outbox.messages(type="alarm.raised")
        if m.payload["data"]["incident_id"] == incident_id
    ]
    assert len(alarms) == 1
    assert alarms[0].payload["data"]["worker_subject"] == "guard-1"

    ack = await client.post(f"/incidents/{incident_id}/acknowledge", headers=grid_setup["staff"])
    assert ack.status_code == 200, ack.text
    assert ack.json()["response_seconds"] >= 0
    again = await client.post(f"/incidents/{incident_id}/acknowledge", headers=grid_setup["staff"])
    assert again.status_code == 409
    kinds = [
        short_type(m.type)
        for m in await outbox.messages()
        if m.payload["data"].get("incident_id") == incident_id
    ]
    assert "alarm.acknowledged" in kinds and "incident.reported" in kinds


async def test_device_credentials_wrong_or_revoked_are_401(
    client: httpx.AsyncClient, grid_setup: dict[str, Any], sessionmaker: Any
) -> None:
    body = {"kind": grid_setup["category"]}
    device_id, secret = grid_setup["basic"]
    for credentials in ((device_id, secret + "x"), (str(uuid.uuid4()), secret), ("not-an-id", "x")):
        response = await client.post("/sensor-alerts", json=body, auth=credentials)
        assert response.status_code == 401, credentials
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.post("/sensor-alerts", json=body)).status_code == 401
    # The secret is stored hashed: it appears nowhere in the database.
    async with sessionmaker() as session:
        stored = await session.get(Device, uuid.UUID(device_id))
        assert stored is not None and secret not in stored.secret_hash
    unknown_kind = await client.post(
        "/sensor-alerts", json={"kind": "no.such"}, auth=(device_id, secret)
    )
    assert unknown_kind.status_code == 422

    revoked = await client.delete(f"/devices/{device_id}", headers=grid_setup["staff"])
    assert revoked.status_code == 204
    after = await client.post("/sensor-alerts", json=body, auth=(device_id, secret))
    assert after.status_code == 401


async def test_devices_are_managed_by_the_communitys_workers(
    client: httpx.AsyncClient, grid_setup: dict[str, Any], auth: Auth, community_code: str
) -> None:
    place = grid_setup["place"]
    body = {"grid_id": str(place.grid_id), "name": "水位计"}
    worker = auth(Role.GRID_WORKER, scope=community_code, grids=(place.grid_id,))
    assert (await client.post("/devices", json=body, headers=worker)).status_code == 403
    elsewhere = auth(Role.COMMUNITY_WORKER, scope=community_code[:9] + "999")
    assert (await client.post("/devices", json=body, headers=elsewhere)).status_code == 404
    device_id = grid_setup["device"]["id"]
    assert (await client.delete(f"/devices/{device_id}", headers=elsewhere)).status_code == 404


async def test_without_a_grid_shift_the_communitys_duty_worker_is_alarmed(
    client: httpx.AsyncClient,
    auth: Auth,
    make_place: Any,
    make_category: Any,
    community_code: str,
    outbox: OutboxReader,
) -> None:
    place = await make_place(community_code=community_code)
    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)
    now = datetime.now(UTC)
    shift = {
        "community_code": community_code,
        "worker_subject": "duty-officer",
        "worker_name": "赵值班",
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(),
    }
    assert (await client.post("/duty", json=shift, headers=staff)).status_code == 201
    device = (
        await client.post(
            "/devices", json={"grid_id": str(place.grid_id), "name": "烟感"}, headers=staff
        )
    ).json()
    answer = await client.post(
        "/sensor-alerts",
        json={"kind": await make_category()},
        auth=(device["id"], device["secret"]),
    )
    assert answer.status_code == 202
    [alarm] = [
        m
        for m in await outbox.messages(type="alarm.raised")
        if m.payload["data"]["incident_id"] == answer.json()["incident_id"]
    ]
    assert alarm.payload["data"]["worker_subject"] == "duty-officer"


async def test_the_alarm_reaches_nats_as_soon_as_the_first_alert_commits(
    client: httpx.AsyncClient, grid_setup: dict[str, Any], nats_url: str, community_code: str
) -> None:
    connection = await nats.connect(nats_url)
    try:
        c = community_code
        subscription = await connection.subscribe(
            f"linli.{c[:4]}.{c[:6]}.{c[:9]}.{c}.grid.alarm.raised"
        )
        await connection.flush()
        started = time.monotonic()
        answer = await client.post(
            "/sensor-alerts", json={"kind": grid_setup["category"]}, auth=grid_setup["basic"]
        )
        assert answer.status_code == 202
        message = await subscription.next_msg(timeout=5)
        elapsed = time.monotonic() - started
    finally:
        await connection.close()
    event = json.loads(message.data)
    assert event["data"]["incident_id"] == answer.json()["incident_id"]
    assert event["data"]["worker_subject"] == "guard-1"
    # The relay is woken by the commit, not left to its next poll: on a quiet machine this is
    # ~50 ms; the bound is loose because CI shares two cores between test workers and servers.
    assert elapsed < 3.0, elapsed


async def test_the_fold_window_is_a_setting_per_kind(
    settings: Any, issuer: Any, grid_setup: dict[str, Any], sessionmaker: Any, make_category: Any
) -> None:
    """Ten minutes by default; a kind may fold over a shorter (or longer) window."""
    short = grid_setup["category"]
    default = await make_category()
    configured = settings.model_copy(update={"sensor_fold_windows": {short: 60}})
    async with serve_app(create_app(configured, token_verifier=issuer.verifier())) as client:

        async def alert(kind: str) -> dict[str, Any]:
            response = await client.post(
                "/sensor-alerts", json={"kind": kind}, auth=grid_setup["basic"]
            )
            assert response.status_code == 202, response.text
            body: dict[str, Any] = response.json()
            return body

        first = {kind: await alert(kind) for kind in (short, default)}
        async with sessionmaker.begin() as session:
            for answer in first.values():
                incident = await session.get(Incident, uuid.UUID(answer["incident_id"]))
                assert incident is not None
                # Five minutes pass without an alert.
                incident.last_alert_at = datetime.now(UTC) - timedelta(minutes=5)
        later = {kind: await alert(kind) for kind in (short, default)}

    assert later[default] == {**first[default], "alert_count": 2, "opened": False}
    assert later[short]["opened"] is True
    assert later[short]["incident_id"] != first[short]["incident_id"]
