"""Announcements through the hall's API: a district's reaches every community below it and
nobody outside; targets above the publisher's level are refused; pinned first, expired hidden;
read receipts once per resident, counted per community."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.service_hall.models.announcements import Announcement
from linli.testing import OutboxReader

Auth = Any


async def publish(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    body = {"title": "冬季用电安全提示", "body": "请勿在楼道为电瓶车充电。", **fields}
    response = await client.post("/announcements", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def seen_by(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    response = await client.get("/announcements", params={"limit": 100}, headers=headers)
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()["items"]]


async def test_a_district_announcement_reaches_every_community_below_and_nobody_outside(
    client: httpx.AsyncClient, auth: Auth, street_code: str, outbox: OutboxReader
) -> None:
    district = auth(Role.DISTRICT_ADMIN, scope="330108", name="区宣传部")
    announcement = await publish(client, district, target_code="330108")
    # Two streets of the district; a community of the next district.
    inside = [
        auth(Role.RESIDENT, scope=f"{street_code}001"),
        auth(Role.RESIDENT, scope=f"{street_code}002"),
        auth(Role.RESIDENT, scope="330108998001"),
    ]
    outside = auth(Role.RESIDENT, scope="330109001001")
    for resident in inside:
        assert announcement["id"] in await seen_by(client, resident)
        read = await client.get(f"/announcements/{announcement['id']}", headers=resident)
        assert read.status_code == 200
    assert announcement["id"] not in await seen_by(client, outside)
    hidden = await client.get(f"/announcements/{announcement['id']}", headers=outside)
    assert hidden.status_code == 404
    other_district = auth(Role.DISTRICT_ADMIN, scope="330109")
    assert announcement["id"] not in await seen_by(client, other_district)

    [row] = [
        m
        for m in await outbox.messages(type="announcement.published")
        if m.payload["data"]["announcement_id"] == announcement["id"]
    ]
    assert row.subject == "linli.3301.330108._._.service-hall.announcement.published"
    assert "区宣传部" not in str(row.payload)


async def test_a_street_and_a_community_reach_only_their_own(
    client: httpx.AsyncClient, auth: Auth, street_code: str
) -> None:
    community = f"{street_code}001"
    street = await publish(client, auth(Role.STREET_ADMIN, scope=street_code))
    own = await publish(client, auth(Role.COMMUNITY_WORKER, scope=community))
    assert street["target_code"] == street_code and own["target_code"] == community
    here = await seen_by(client, auth(Role.RESIDENT, scope=community))
    assert street["id"] in here and own["id"] in here
    next_door = await seen_by(client, auth(Role.RESIDENT, scope=f"{street_code}002"))
    assert street["id"] in next_door and own["id"] not in next_door
    elsewhere = await seen_by(client, auth(Role.RESIDENT, scope="330108998001"))
    assert street["id"] not in elsewhere


async def test_an_announcement_above_the_publishers_level_is_403_and_changes_nothing(
    client: httpx.AsyncClient, auth: Auth, street_code: str, outbox: OutboxReader
) -> None:
    before = len(await outbox.messages())
    community = f"{street_code}001"
    worker = auth(Role.COMMUNITY_WORKER, scope=community)
    for target in (street_code, "330108", "3301", "330108998001"):
        body = {"title": "t", "body": "b", "target_code": target}
        response = await client.post("/announcements", json=body, headers=worker)
        assert response.status_code == 403, target
        assert response.headers["content-type"].startswith("application/problem+json")
    street = auth(Role.STREET_ADMIN, scope=street_code)
    up = {"title": "t", "body": "b", "target_code": "330108"}
    assert (await client.post("/announcements", json=up, headers=street)).status_code == 403
    resident = auth(Role.RESIDENT, scope=community)
    assert (
        await client.post("/announcements", json={"title": "t", "body": "b"}, headers=resident)
    ).status_code == 403
    past = {"title": "t", "body": "b", "expires_at": "2020-01-01T00:00:00Z"}
    assert (await client.post("/announcements", json=past, headers=worker)).status_code == 422
    assert len(await outbox.messages()) == before


async def test_pinned_come_first_and_expired_ones_leave_the_residents_list(
    client: httpx.AsyncClient,
    auth: Auth,
    street_code: str,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    community = f"{street_code}001"
    worker = auth(Role.COMMUNITY_WORKER, scope=community)
    pinned = await publish(client, worker, pinned=True)
    later = await publish(client, worker)
    soon = await publish(
        client, worker, expires_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat()
    )
    resident = auth(Role.RESIDENT, scope=community)
    assert (await seen_by(client, resident))[:3] == [pinned["id"], soon["id"], later["id"]]

    async with sessionmaker.begin() as session:
        await session.execute(
            update(Announcement)
            .where(Announcement.id == uuid.UUID(soon["id"]))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert soon["id"] not in await seen_by(client, resident)
    assert (await client.get(f"/announcements/{soon['id']}", headers=resident)).status_code == 404
    assert soon["id"] in await seen_by(client, worker)  # staff keep the record

    unpinned = await client.patch(
        f"/announcements/{pinned['id']}", json={"pinned": False}, headers=worker
    )
    assert unpinned.status_code == 200 and unpinned.json()["pinned"] is False
    assert (await seen_by(client, resident))[:2] == [later["id"], pinned["id"]]
    page = await client.get("/announcements", params={"limit": 1}, headers=resident)
    after = await client.get(
        "/announcements",
        params={"limit": 1, "cursor": page.json()["next_cursor"]},
        headers=resident,
    )
    assert after.json()["items"][0]["id"] == pinned["id"]


async def test_read_receipts_count_once_per_resident_per_community(
    client: httpx.AsyncClient, auth: Auth, street_code: str
) -> None:
    district = auth(Role.DISTRICT_ADMIN, scope="330108")
    announcement = await publish(client, district, target_code=street_code)
    path = f"/announcements/{announcement['id']}"
    first, second = f"{street_code}001", f"{street_code}002"
    readers = [auth(Role.RESIDENT, scope=first) for _ in range(3)]
    readers.append(auth(Role.RESIDENT, scope=second))
    for reader in [*readers, readers[0]]:
        assert (await client.post(f"{path}/read", headers=reader)).status_code == 204
    outsider = auth(Role.RESIDENT, scope="330108998001")
    assert (await client.post(f"{path}/read", headers=outsider)).status_code == 404

    counts = (await client.get(f"{path}/reads", headers=district)).json()
    assert counts["total"] == 4
    assert counts["communities"] == [
        {"community_code": first, "reads": 3},
        {"community_code": second, "reads": 1},
    ]
    mine = await client.get(f"{path}/reads", headers=auth(Role.COMMUNITY_WORKER, scope=first))
    assert mine.json()["communities"] == [{"community_code": first, "reads": 3}]
    assert (await client.get(f"{path}/reads", headers=readers[0])).status_code == 403
