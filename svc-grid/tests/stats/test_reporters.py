"""`GET /stats/reporters`: the open incidents a resident reported, for staff of their scope."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from linli.common.auth import Role


async def test_open_incidents_of_a_residents_subjects_within_the_scope(
    client: httpx.AsyncClient,
    make_place: Any,
    make_category: Any,
    auth: Any,
    community_code: str,
    street_code: str,
) -> None:
    place = await make_place(community_code=community_code)
    category = await make_category()
    subject = str(uuid.uuid4())
    resident = auth(Role.RESIDENT, scope=community_code, subject=subject)
    neighbour = auth(Role.RESIDENT, scope=community_code)
    community = auth(Role.COMMUNITY_WORKER, scope=community_code)

    async def report(headers: dict[str, str], title: str) -> str:
        response = await client.post(
            "/incidents",
            json={
                "category": category,
                "title": title,
                "description": "三楼楼道堆满纸箱",
                "building_id": str(place.building_id),
            },
            headers=headers,
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    mine = await report(resident, "楼道堆放杂物")
    closed = await report(resident, "路灯不亮")
    await report(neighbour, "别人的事")
    shut = await client.post(f"/incidents/{closed}/close", json={"note": "重复"}, headers=community)
    assert shut.status_code == 200, shut.text

    answer = await client.get("/stats/reporters", params={"subject": subject}, headers=community)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["open"] == 1
    [incident] = body["incidents"]
    assert (incident["id"], incident["title"], incident["overdue"]) == (mine, "楼道堆放杂物", False)
    street = auth(Role.STREET_ADMIN, scope=street_code)
    assert (
        await client.get("/stats/reporters", params={"subject": subject}, headers=street)
    ).json()["open"] == 1
    elsewhere = auth(Role.COMMUNITY_WORKER, scope=f"{street_code}002")
    other = await client.get("/stats/reporters", params={"subject": subject}, headers=elsewhere)
    assert (other.status_code, other.json()["incidents"]) == (200, [])
    refused = await client.get("/stats/reporters", params={"subject": subject}, headers=resident)
    assert refused.status_code == 403
    for params in ({}, {"subject": ["a"] * 11}, {"subject": "x\x00y"}):
        bad = await client.get("/stats/reporters", params=params, headers=community)
        assert bad.status_code == 422, params
