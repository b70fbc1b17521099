"""Door-to-door visits: a resident tagged mobility-impaired asks and reaches the workers' list; one
without such a tag is refused unless a worker files it; assigned, scheduled, recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from linli.common.auth import Role
from linli.testing import OutboxReader

Maker = Any


async def test_a_mobility_impaired_resident_is_visited(
    client: httpx.AsyncClient,
    auth: Maker,
    make_item: Maker,
    make_resident: Maker,
    community_code: str,
    outbox: OutboxReader,
) -> None:
    item = await make_item(name="高龄津贴申领")
    resident = await make_resident(community_code=community_code, tags=("mobility_impaired",))
    asked = await client.post(
        "/home-visits", json={"item_id": item["id"], "note": "下午在家"}, headers=resident.headers
    )
    assert asked.status_code == 201, asked.text
    visit = asked.json()
    assert (visit["status"], visit["reason"], visit["address"]) == (
        "requested",
        "mobility_impaired",
        "3-1-502",
    )

    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)
    waiting = await client.get("/home-visits", params={"status": "requested"}, headers=staff)
    assert visit["id"] in [v["id"] for v in waiting.json()["items"]]

    worker_subject = "worker-" + visit["id"][:8]
    worker = auth(Role.GRID_WORKER, scope=community_code, subject=worker_subject)
    assigned = await client.post(
        f"/home-visits/{visit['id']}/assign",
        json={"worker_subject": worker_subject, "worker_name": "孙立"},
        headers=staff,
    )
    assert (assigned.status_code, assigned.json()["worker_name_masked"]) == (200, "孙*")
    mine = await client.get("/home-visits", params={"mine": "true"}, headers=worker)
    assert [v["id"] for v in mine.json()["items"]] == [visit["id"]]

    when = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert (
        await client.post(f"/home-visits/{visit['id']}/schedule", json={"at": when}, headers=worker)
    ).status_code == 200
    # Only the assigned worker records the call.
    record = {"outcome": "not_at_home"}
    assert (
        await client.post(f"/home-visits/{visit['id']}/record", json=record, headers=staff)
    ).status_code == 403
    away = await client.post(f"/home-visits/{visit['id']}/record", json=record, headers=worker)
    assert away.json()["status"] == "not_at_home"
    again = await client.post(f"/home-visits/{visit['id']}/record", json=record, headers=worker)
    assert (again.status_code, again.json()["allowed"]) == (409, ["assign", "schedule", "cancel"])
    await client.post(f"/home-visits/{visit['id']}/schedule", json={"at": when}, headers=worker)
    done = await client.post(
        f"/home-visits/{visit['id']}/record",
        json={"outcome": "done", "materials_collected": ["id_card"]},
        headers=worker,
    )
    assert (done.json()["status"], done.json()["visits"], done.json()["materials_collected"]) == (
        "done",
        2,
        ["id_card"],
    )
    events = [e for e in await outbox.events() if e.data.get("home_visit_id") == visit["id"]]
    assert [e.type.split(".")[-2] for e in events] == [
        "requested",
        "assigned",
        "scheduled",
        "visited",
        "scheduled",
        "visited",
    ]
    assert all(
        "3-1-502" not in e.model_dump_json() and "下午" not in e.model_dump_json() for e in events
    )
    assert events[0].data["community_code"] == community_code


async def test_a_resident_without_the_tag_is_refused_unless_a_worker_files_it(
    client: httpx.AsyncClient,
    auth: Maker,
    make_item: Maker,
    make_resident: Maker,
    community_code: str,
) -> None:
    item = await make_item()
    resident = await make_resident(
        community_code=community_code, tags=("living_alone",), birth_year=1980
    )
    refused = await client.post(
        "/home-visits", json={"item_id": item["id"]}, headers=resident.headers
    )
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("not-eligible")
    assert (await client.get("/home-visits", headers=resident.headers)).json()["items"] == []

    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)
    filed = await client.post(
        "/home-visits",
        json={"item_id": item["id"], "resident_id": str(resident.resident_id)},
        headers=staff,
    )
    assert (filed.status_code, filed.json()["reason"]) == (201, "worker")
    # An elderly resident (by birth year) qualifies on their own.
    elder = await make_resident(community_code=community_code, birth_year=1945)
    assert (
        await client.post("/home-visits", json={"item_id": item["id"]}, headers=elder.headers)
    ).json()["reason"] == "elderly"
    # An item not done at home is refused for anyone.
    counter = await make_item(channels=("counter",))
    assert (
        await client.post("/home-visits", json={"item_id": counter["id"]}, headers=elder.headers)
    ).status_code == 422
