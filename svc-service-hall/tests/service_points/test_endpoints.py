"""Service points: a street's hall serving several communities, seen by their residents only."""

from __future__ import annotations

from typing import Any

import httpx

from linli.common.auth import Role
from linli.testing import OutboxReader

Maker = Any


async def test_a_hall_serves_its_communities(
    client: httpx.AsyncClient,
    auth: Maker,
    make_resident: Maker,
    street_code: str,
    outbox: OutboxReader,
) -> None:
    served = [f"{street_code}001", f"{street_code}002", f"{street_code}003"]
    body = {
        "division_code": street_code,
        "name": "缤纷邻里中心",
        "address": "江汉路1515号",
        "communities": served,
        "opening_hours": [{"weekday": 1, "opens": "08:30", "closes": "17:00"}],
        "counters": [{"number": 1, "name": "综合受理窗口"}],
    }
    admin = auth(Role.STREET_ADMIN, scope=street_code)
    created = await client.post("/service-points", json=body, headers=admin)
    assert created.status_code == 201, created.text
    point = created.json()
    [opened] = [
        e for e in await outbox.data("service_point.opened") if e["service_point_id"] == point["id"]
    ]
    assert opened["communities"] == served

    # A resident of any of the three sees it; one of a community it does not serve does not.
    inside = await make_resident(community_code=served[2])
    outside = await make_resident(community_code=f"{street_code}004")
    assert [
        p["id"] for p in (await client.get("/service-points", headers=inside.headers)).json()
    ] == [point["id"]]
    assert (await client.get("/service-points", headers=outside.headers)).json() == []
    assert (
        await client.get(f"/service-points/{point['id']}", headers=outside.headers)
    ).status_code == 404
    worker = auth(Role.COMMUNITY_WORKER, scope=served[1])
    assert point["id"] in [
        p["id"] for p in (await client.get("/service-points", headers=worker)).json()
    ]


async def test_refusals(client: httpx.AsyncClient, auth: Maker, street_code: str) -> None:
    body = {
        "division_code": street_code,
        "name": "中心",
        "address": "路1号",
        "communities": [f"{street_code}001"],
    }
    worker = auth(Role.COMMUNITY_WORKER, scope=f"{street_code}001")
    assert (await client.post("/service-points", json=body, headers=worker)).status_code == 403
    admin = auth(Role.STREET_ADMIN, scope=street_code)
    bad: dict[str, Any]
    for bad in (
        {"communities": ["330109001001"]},  # not of this street
        {"communities": []},
        {"opening_hours": [{"weekday": 8, "opens": "08:30", "closes": "17:00"}]},
        {"opening_hours": [{"weekday": 1, "opens": "17:00", "closes": "08:30"}]},
        {"name": "中" * 65},
        {"address": ""},
    ):
        answer = await client.post("/service-points", json={**body, **bad}, headers=admin)
        assert answer.status_code == 422, (bad, answer.text)
    listed = await client.get("/service-points", params={"division": "330109"}, headers=admin)
    assert listed.status_code == 403
