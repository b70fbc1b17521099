"""Possible duplicates (same category, same building or within 50 m, 72 hours) and merging."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.grid.models import Incident

Sessions = async_sessionmaker[AsyncSession]
Cast = Any
Auth = Any

# About 30 m and 80 m north of the first point (1° of latitude is about 111 km).
HERE = (30.2084, 120.2119)
NEAR = (30.2084 + 30 / 111_000, 120.2119)
FAR = (30.2084 + 80 / 111_000, 120.2119)


async def test_same_building_or_within_50m_in_72h_are_suggested(
    client: httpx.AsyncClient,
    cast: Cast,
    make_category: Any,
    make_place: Any,
    auth: Auth,
    sessionmaker: Sessions,
) -> None:
    first = await cast.report()
    assert first["possible_duplicates"] == 0
    same_building = await cast.report()
    assert same_building["possible_duplicates"] == 1
    other_category = await cast.report(category=await make_category())
    elsewhere = await make_place(community_code=cast.place.community_code)
    at = {"building_id": str(elsewhere.building_id)}
    here = await cast.report(**at, latitude=HERE[0], longitude=HERE[1])
    near = await cast.report(
        reporter=auth(Role.RESIDENT),
        building_id=None,
        address="东门外",
        community_code=cast.place.community_code,
        latitude=NEAR[0],
        longitude=NEAR[1],
    )
    far = await cast.report(
        building_id=None,
        address="远处",
        latitude=FAR[0],
        longitude=FAR[1],
        community_code=cast.place.community_code,
    )
    assert near["possible_duplicates"] == 1  # `here`, 30 m away
    assert far["possible_duplicates"] == 0

    async def suggested(incident_id: str) -> set[str]:
        response = await client.get(f"/incidents/{incident_id}/duplicates", headers=cast.community)
        assert response.status_code == 200, response.text
        return {i["id"] for i in response.json()}

    assert await suggested(first["id"]) == {same_building["id"]}
    assert await suggested(near["id"]) == {here["id"]}
    assert other_category["id"] not in await suggested(first["id"])
    # Older than 72 hours: no longer a candidate.
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Incident)
            .where(Incident.id == uuid.UUID(first["id"]))
            .values(created_at=datetime.now(UTC) - timedelta(hours=73))
        )
    assert await suggested(same_building["id"]) == set()
    # Residents do not read other people's reports.
    response = await client.get(f"/incidents/{first['id']}/duplicates", headers=cast.resident)
    assert response.status_code == 403


async def test_the_reporter_of_a_merged_duplicate_follows_the_survivor(
    client: httpx.AsyncClient, cast: Cast, auth: Auth
) -> None:
    survivor = await cast.report()
    neighbour = auth(Role.RESIDENT, scope=cast.place.community_code)
    duplicate = await cast.report(reporter=neighbour)
    assert (await client.get(f"/incidents/{survivor['id']}", headers=neighbour)).status_code == 404
    merged = await client.post(
        f"/incidents/{duplicate['id']}/merge",
        json={"into": survivor["id"]},
        headers=cast.community,
    )
    assert merged.status_code == 200, merged.text
    followed = await client.get(f"/incidents/{survivor['id']}", headers=neighbour)
    assert followed.status_code == 200
    listed = await client.get("/incidents", headers=neighbour)
    assert {i["id"] for i in listed.json()["items"]} == {survivor["id"], duplicate["id"]}
    # Following is reading: the survivor's rating stays its own reporter's.
    await cast.dispatch(survivor["id"])
    for step, note in (("accept", None), ("resolve", "已处理")):
        await cast.step(survivor["id"], step, note=note)
    rating = {"rating": 4, "fixed": True}
    refused = await client.post(
        f"/incidents/{survivor['id']}/rating", json=rating, headers=neighbour
    )
    assert refused.status_code == 403
