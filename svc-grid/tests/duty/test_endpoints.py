"""Grid workers assigned to grids, duty shifts, and who answers in a grid now."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from linli.common.auth import Role
from linli.testing import OutboxReader, short_type

Auth = Any


def hours(n: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=n)).isoformat()


async def test_assignments_are_made_once_listed_and_removed(
    client: httpx.AsyncClient,
    auth: Auth,
    make_place: Any,
    community_code: str,
    outbox: OutboxReader,
) -> None:
    place = await make_place(community_code=community_code)
    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)
    worker = str(uuid.uuid4())
    path = f"/grids/{place.grid_id}/workers/{worker}"
    first = await client.put(path, json={"name": "李四"}, headers=staff)
    assert first.status_code == 200, first.text
    assert first.json()["name_masked"] == "李*"
    again = await client.put(path, json={"name": "李四"}, headers=staff)
    assert again.status_code == 200
    listed = await client.get(f"/grids/{place.grid_id}/workers", headers=staff)
    assert [w["worker_subject"] for w in listed.json()] == [worker]
    mine = [
        short_type(m.type)
        for m in await outbox.messages()
        if m.payload["data"].get("worker_subject") == worker
    ]
    assert mine == ["worker.assigned"]  # assigning twice is one assignment

    assert (await client.delete(path, headers=staff)).status_code == 204
    assert (await client.delete(path, headers=staff)).status_code == 404
    assert (await client.get(f"/grids/{place.grid_id}/workers", headers=staff)).json() == []


async def test_assignment_refusals(
    client: httpx.AsyncClient, auth: Auth, make_place: Any, community_code: str
) -> None:
    place = await make_place(community_code=community_code)
    path = f"/grids/{place.grid_id}/workers/w1"
    body = {"name": "李四"}
    elsewhere = auth(Role.COMMUNITY_WORKER, scope=community_code[:9] + "999")
    assert (await client.put(path, json=body, headers=elsewhere)).status_code == 404
    street = auth(Role.STREET_ADMIN, scope=community_code[:9])
    assert (await client.put(path, json=body, headers=street)).status_code == 403
    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)
    unknown = f"/grids/{uuid.uuid4()}/workers/w1"
    assert (await client.put(unknown, json=body, headers=staff)).status_code == 404
    assert (await client.put(path, json={"name": ""}, headers=staff)).status_code == 422


async def test_who_is_on_duty_with_the_communitys_fallback(
    client: httpx.AsyncClient, auth: Auth, make_place: Any, community_code: str
) -> None:
    place = await make_place(community_code=community_code)
    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)
    on_duty = f"/grids/{place.grid_id}/on-duty"
    assert (await client.get(on_duty, headers=staff)).status_code == 404

    community_shift = {
        "community_code": community_code,
        "worker_subject": "duty-1",
        "worker_name": "赵六",
        "starts_at": hours(-1),
        "ends_at": hours(8),
    }
    assert (await client.post("/duty", json=community_shift, headers=staff)).status_code == 201
    fallback = (await client.get(on_duty, headers=staff)).json()
    assert (fallback["worker_subject"], fallback["fallback"]) == ("duty-1", True)

    grid_shift = {
        "grid_id": str(place.grid_id),
        "worker_subject": "w2",
        "worker_name": "李四",
        "starts_at": hours(-1),
        "ends_at": hours(4),
    }
    not_assigned = await client.post("/duty", json=grid_shift, headers=staff)
    assert not_assigned.status_code == 422
    await client.put(f"/grids/{place.grid_id}/workers/w2", json={"name": "李四"}, headers=staff)
    assert (await client.post("/duty", json=grid_shift, headers=staff)).status_code == 201
    answer = (await client.get(on_duty, headers=staff)).json()
    assert (answer["worker_subject"], answer["worker_name_masked"], answer["fallback"]) == (
        "w2",
        "李*",
        False,
    )
    worker = auth(Role.GRID_WORKER, scope=community_code, grids=(place.grid_id,))
    assert (await client.get(on_duty, headers=worker)).status_code == 200


async def test_bad_shifts_are_422(
    client: httpx.AsyncClient, auth: Auth, make_place: Any, community_code: str
) -> None:
    await make_place(community_code=community_code)
    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)
    base = {"community_code": community_code, "worker_subject": "d", "worker_name": "赵六"}
    for times in (
        {"starts_at": hours(2), "ends_at": hours(1)},
        {"starts_at": hours(0), "ends_at": hours(24 * 8)},
        {"starts_at": "2026-12-03T08:00:00", "ends_at": "2026-12-03T09:00:00"},
    ):
        response = await client.post("/duty", json={**base, **times}, headers=staff)
        assert response.status_code == 422, times
    both = {**base, "grid_id": str(uuid.uuid4()), "starts_at": hours(0), "ends_at": hours(1)}
    assert (await client.post("/duty", json=both, headers=staff)).status_code == 422
    elsewhere = {**base, "community_code": community_code[:9] + "999"}
    shifted = {**elsewhere, "starts_at": hours(0), "ends_at": hours(1)}
    assert (await client.post("/duty", json=shifted, headers=staff)).status_code == 403
