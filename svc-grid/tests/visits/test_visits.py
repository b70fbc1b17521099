"""Visits and patrols: recorded where the worker works, an incident from a finding in one step,
photos, history, and the households nobody visited lately."""

from __future__ import annotations

import uuid
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.events import CloudEvent
from linli.grid.models import Incident, Visit
from linli.grid.roster.handlers import ROSTER_CONSUMER

Sessions = async_sessionmaker[AsyncSession]


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


async def _households(
    sessionmaker: Sessions, community_code: str, grid_id: uuid.UUID, count: int
) -> list[uuid.UUID]:
    ids = []
    for n in range(count):
        household_id = uuid.uuid4()
        data = {
            "type": "cn.linli.residents.household.created.v1",
            "community_code": community_code,
            "household_id": str(household_id),
            "dwelling_id": str(uuid.uuid4()),
            "household_address": f"1幢-1单元-{101 + n}",
            "grid_id": str(grid_id),
        }
        event = CloudEvent(
            id=str(uuid.uuid4()),
            source="/linli/residents",
            type=data["type"],
            subject="x",
            time=datetime.now(UTC),
            data=data,
        )
        async with sessionmaker.begin() as session:
            await ROSTER_CONSUMER.handler(session, event)
        ids.append(household_id)
    return ids


async def _visits(sessionmaker: Sessions, community_code: str) -> int:
    async with sessionmaker() as session:
        return int(
            await session.scalar(select(func.count()).where(Visit.community_code == community_code))
            or 0
        )


async def test_a_visit_with_a_failed_finding_opens_an_incident_and_leaves_the_to_do_list(
    client: httpx.AsyncClient,
    auth: Any,
    make_place: Any,
    make_category: Any,
    community_code: str,
    sessionmaker: Sessions,
    outbox: Any,
) -> None:
    place = await make_place(community_code=community_code)
    households = await _households(sessionmaker, community_code, place.grid_id, 3)
    worker = auth(
        Role.GRID_WORKER, scope=community_code, grids=(place.grid_id,), subject="gw-v", name="周七"
    )
    todo = await client.get(
        f"/grids/{place.grid_id}/unvisited", params={"days": 30}, headers=worker
    )
    assert todo.status_code == 200, todo.text
    assert [u["household_id"] for u in todo.json()["items"]] == [str(h) for h in households]

    category = await make_category()
    response = await client.post(
        "/visits",
        json={
            "target": "household",
            "household_id": str(households[0]),
            "purpose": "safety_check",
            "findings": [
                {"item": "gas_valve", "ok": False, "note": "燃气阀老化"},
                {"item": "smoke_alarm", "ok": True},
            ],
            "open_incident": {
                "category": category,
                "title": "燃气阀老化需更换",
                "description": "入户检查发现燃气阀老化",
            },
        },
        headers=worker,
    )
    assert response.status_code == 201, response.text
    visit = response.json()
    assert visit["incident_id"] is not None and visit["worker_name_masked"] == "周*"
    async with sessionmaker() as session:
        incident = await session.get(Incident, uuid.UUID(visit["incident_id"]))
    assert incident is not None
    assert (incident.grid_id, incident.community_code) == (place.grid_id, community_code)
    assert incident.reporter_subject == "gw-v"
    recorded = [e for e in await outbox.data("visit.recorded") if e["visit_id"] == visit["id"]]
    assert len(recorded) == 1
    assert recorded[0]["failed_items"] == ["gas_valve"]
    assert recorded[0]["incident_id"] == visit["incident_id"]
    assert "燃气阀老化" not in str(recorded[0])  # notes stay out of events

    # A patrol of the building, with a photo.
    response = await client.post(
        "/visits",
        json={"target": "building", "building_id": str(place.building_id), "purpose": "patrol"},
        headers=worker,
    )
    assert response.status_code == 201, response.text
    patrol = response.json()["id"]
    response = await client.post(
        f"/visits/{patrol}/photos", files={"file": ("楼道.png", png(), "image/png")}, headers=worker
    )
    assert response.status_code == 201, response.text
    photo = response.json()["id"]
    response = await client.get(f"/visits/{patrol}/photos/{photo}", headers=worker)
    assert response.status_code == 200 and response.content == png()
    response = await client.post(
        f"/visits/{patrol}/photos",
        files={"file": ("假.png", b"not an image", "image/png")},
        headers=worker,
    )
    assert response.status_code == 415

    # History per household and per grid, newest first; the to-do list lost the visited one.
    by_household = (
        await client.get("/visits", params={"household_id": str(households[0])}, headers=worker)
    ).json()["items"]
    assert [v["id"] for v in by_household] == [visit["id"]]
    by_grid = (
        await client.get(
            "/visits", params={"grid_id": str(place.grid_id), "limit": 1}, headers=worker
        )
    ).json()
    assert [v["id"] for v in by_grid["items"]] == [patrol]
    second = (
        await client.get(
            "/visits",
            params={"grid_id": str(place.grid_id), "limit": 1, "cursor": by_grid["next_cursor"]},
            headers=worker,
        )
    ).json()
    assert [v["id"] for v in second["items"]] == [visit["id"]]
    todo = (
        await client.get(f"/grids/{place.grid_id}/unvisited", params={"limit": 1}, headers=worker)
    ).json()
    assert [u["household_id"] for u in todo["items"]] == [str(households[1])]
    rest = (
        await client.get(
            f"/grids/{place.grid_id}/unvisited",
            params={"limit": 5, "cursor": todo["next_cursor"]},
            headers=worker,
        )
    ).json()
    assert [u["household_id"] for u in rest["items"]] == [str(households[2])]


async def test_visits_outside_ones_grid_or_with_bad_input_are_refused_and_change_nothing(
    client: httpx.AsyncClient,
    auth: Any,
    make_place: Any,
    community_code: str,
    sessionmaker: Sessions,
) -> None:
    place = await make_place(community_code=community_code)
    other = await make_place(community_code=community_code)
    (household,) = await _households(sessionmaker, community_code, place.grid_id, 1)
    worker = auth(Role.GRID_WORKER, scope=community_code, grids=(other.grid_id,))

    def body(**changes: Any) -> dict[str, Any]:
        return {"target": "household", "household_id": str(household), "purpose": "care", **changes}

    elsewhere = f"{community_code[:9]}999"
    cases = [
        (worker, body(), 403),  # a household of a grid that is not theirs
        (auth(Role.GRID_WORKER, scope=f"{elsewhere}"), body(), 404),
        (auth(Role.RESIDENT, scope=community_code), body(), 403),
        (worker, body(household_id=str(uuid.uuid4())), 404),
        (worker, body(target="building"), 422),  # no building named
        (worker, body(purpose="gossip"), 422),
        (worker, body(findings=[{"item": "Gas Valve", "ok": False}]), 422),
        (worker, body(findings=[{"item": "gas", "ok": True}, {"item": "gas", "ok": False}]), 422),
        (worker, body(note="\u0000"), 422),
        (worker, body(visited_at=(datetime.now(UTC) + timedelta(days=1)).isoformat()), 422),
        (worker, body(visited_at=(datetime.now(UTC) - timedelta(days=30)).isoformat()), 422),
        (
            auth(Role.COMMUNITY_WORKER, scope=community_code),
            body(open_incident={"category": "no.such", "title": "x", "description": "y"}),
            422,
        ),
    ]
    for headers, payload, status in cases:
        response = await client.post("/visits", json=payload, headers=headers)
        assert response.status_code == status, (payload, response.text)
    response = await client.get(
        f"/grids/{place.grid_id}/unvisited", params={"days": 0}, headers=worker
    )
    assert response.status_code == 422
    response = await client.get(
        f"/grids/{place.grid_id}/unvisited", headers=auth(Role.GRID_WORKER, scope=elsewhere)
    )
    assert response.status_code == 404
    assert await _visits(sessionmaker, community_code) == 0
