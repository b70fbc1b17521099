"""我要反映 through the hall's API: filing, who sees a report, following the grid's incident to
closure from its events (in any order, each once), and the rating refused before resolution."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.service_hall.models.reports import IncidentCopyStep
from linli.testing import OutboxReader

from .conftest import TO_RESOLVED, Grid, Resident

Auth = Any

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def _of_report(outbox: OutboxReader, kind: str, report_id: str) -> list[dict[str, Any]]:
    return [d for d in await outbox.data(kind) if d["report_id"] == report_id]


async def test_a_report_is_filed_in_the_residents_community_and_goes_to_the_grid_as_an_event(
    resident: Resident, outbox: OutboxReader, community_code: str
) -> None:
    report = await resident.report(latitude=30.2, longitude=120.2)
    assert report["status"] == "filed"
    assert report["community_code"] == community_code
    assert report["reporter_name_masked"] == "王**"
    assert report["incident_id"] is None

    events = [e for e in await outbox.events(type="report.filed") if e.subject == report["id"]]
    assert len(events) == 1
    data = events[0].data
    assert data["category"] == "environment.garbage"
    assert data["address"] == "3幢2单元门口"
    assert data["photos_path"] == f"/api/service-hall/reports/{report['id']}/photos"
    # The text goes to the grid with the phone number masked; the name never in clear.
    assert "13812345678" not in str(data) and "138****5678" in data["description"]
    assert "王小明" not in str(data)
    rows = [
        m for m in await outbox.messages(type="report.filed") if m.id == uuid.UUID(events[0].id)
    ]
    c = community_code
    assert rows[0].subject == f"linli.{c[:4]}.{c[:6]}.{c[:9]}.{c}.service-hall.report.filed"


async def test_only_registered_residents_report_and_bad_input_changes_nothing(
    client: httpx.AsyncClient, auth: Auth, community_code: str, outbox: OutboxReader
) -> None:
    before = len(await outbox.messages())
    body = {"category": "environment.garbage", "title": "t", "description": "d", "address": "a"}
    unregistered = await client.post("/reports", json=body, headers=auth(Role.RESIDENT, scope=""))
    assert unregistered.status_code == 403
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    assert (await client.post("/reports", json=body, headers=worker)).status_code == 403
    resident = auth(Role.RESIDENT, scope=community_code)
    for bad in (
        {**body, "title": "长" * 101},
        {**body, "category": "Garbage Bin"},
        {**body, "title": "x\u0000y"},
        {**body, "latitude": 30.1},
        {**body, "address": "   "},
        {**body, "extra": 1},
    ):
        response = await client.post("/reports", json=bad, headers=resident)
        assert response.status_code == 422, (bad, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert len(await outbox.messages()) == before


async def test_a_report_is_seen_by_its_reporter_and_the_communitys_staff_only(
    client: httpx.AsyncClient, resident: Resident, auth: Auth, community_code: str
) -> None:
    report = await resident.report()
    path = f"/reports/{report['id']}"
    neighbour = auth(Role.RESIDENT, scope=community_code)
    assert (await client.get(path, headers=neighbour)).status_code == 404
    elsewhere = auth(Role.COMMUNITY_WORKER, scope="330108999001")
    assert (await client.get(path, headers=elsewhere)).status_code == 404
    staff = auth(Role.STREET_ADMIN, scope=community_code[:9])
    assert (await client.get(path, headers=staff)).status_code == 200
    listed = await client.get("/reports", headers=staff)
    assert report["id"] in [r["id"] for r in listed.json()["items"]]
    outside = await client.get("/reports", params={"division": "330109"}, headers=staff)
    assert outside.status_code == 403
    mine = await client.get("/reports", headers=resident.headers)
    assert [r["id"] for r in mine.json()["items"]] == [report["id"]]
    theirs = await client.get("/reports", headers=neighbour)
    assert theirs.json()["items"] == []
    forged = await client.get("/reports", params={"cursor": "x" * 40}, headers=staff)
    assert forged.status_code == 422


async def test_the_resident_follows_the_incident_to_closure_and_rates_it_once_resolved(
    client: httpx.AsyncClient, resident: Resident, grid: Grid, outbox: OutboxReader, auth: Auth
) -> None:
    report = await resident.report()
    rating = {"rating": 5, "fixed": True, "comment": "很快，电话13812345678"}
    path = f"/reports/{report['id']}/rating"

    early = await client.post(path, json=rating, headers=resident.headers)
    assert early.status_code == 409
    assert early.json()["state"] == "filed"

    incident_id = await grid.take(report)
    taken = await resident.read(report["id"])
    assert taken["status"] == "handling"
    assert taken["incident_id"] == incident_id
    assert taken["incident"]["status"] == "reported"

    await grid.steps(report, incident_id, *TO_RESOLVED[:2])
    in_hand = await client.post(path, json=rating, headers=resident.headers)
    assert in_hand.status_code == 409
    assert in_hand.json()["incident_status"] == "accepted"

    await grid.steps(report, incident_id, *TO_RESOLVED[2:])
    resolved = await resident.read(report["id"])
    assert resolved["status"] == "resolved"
    assert resolved["awaiting_rating"] is True
    assert [s["action"] for s in resolved["timeline"]] == [
        "reported",
        "dispatched",
        "accepted",
        "started",
        "resolved",
    ]

    staff = auth(Role.COMMUNITY_WORKER, scope=report["community_code"])
    other = await client.post(path, json=rating, headers=staff)
    assert other.status_code == 403
    rated = await client.post(path, json=rating, headers=resident.headers)
    assert rated.status_code == 200, rated.text
    assert rated.json()["rating"] == 5
    assert rated.json()["awaiting_rating"] is False
    again = await client.post(path, json=rating, headers=resident.headers)
    assert again.status_code == 409
    [sent] = await _of_report(outbox, "report.rated", report["id"])
    assert sent["incident_id"] == incident_id
    assert sent["fixed"] is True
    assert sent["comment"] == "很快，电话138****5678"

    # The grid verifies it (the rating came back), then closes it: closed once.
    await grid.steps(report, incident_id, ("rated", "resolved"), ("verified", "verified"))
    await grid.steps(report, incident_id, ("closed", "closed"))
    closed = await resident.read(report["id"])
    assert closed["status"] == "closed"
    assert closed["closed_at"] is not None
    assert closed["incident"]["status"] == "closed"
    [done] = await _of_report(outbox, "report.closed", report["id"])
    assert done["outcome"] == "verified"


async def test_not_fixed_waits_for_a_new_resolution_before_a_new_rating(
    client: httpx.AsyncClient, resident: Resident, grid: Grid
) -> None:
    report = await resident.report()
    incident_id = await grid.take(report)
    await grid.steps(report, incident_id, *TO_RESOLVED)
    path = f"/reports/{report['id']}/rating"
    first = await client.post(path, json={"rating": 2, "fixed": False}, headers=resident.headers)
    assert first.status_code == 200
    await grid.steps(report, incident_id, ("rated", "resolved"), ("reopened", "reported"))
    assert (await resident.read(report["id"]))["status"] == "handling"
    second = {"rating": 4, "fixed": True}
    assert (await client.post(path, json=second, headers=resident.headers)).status_code == 409
    await grid.steps(report, incident_id, *TO_RESOLVED)
    assert (await client.post(path, json=second, headers=resident.headers)).status_code == 200


async def test_grid_events_out_of_order_or_twice_leave_the_latest_state_and_one_step_each(
    resident: Resident, grid: Grid, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    report = await resident.report()
    incident_id = str(uuid.uuid4())
    where = {"incident_id": incident_id, "community_code": report["community_code"]}
    reported = grid.event("reported", status="reported", **where)
    linked = grid.event("linked", status="reported", report_id=report["id"], **where)
    dispatched = grid.event("dispatched", status="dispatched", **where)
    accepted = grid.event("accepted", status="accepted", **where)
    # The link and a later step arrive first; the first steps late, one of them twice.
    await grid.apply(accepted, linked, dispatched, reported, dispatched)
    read = await resident.read(report["id"])
    assert read["incident"]["status"] == "accepted"
    assert read["status"] == "handling"
    assert [s["action"] for s in read["timeline"]] == ["reported", "dispatched", "accepted"]
    async with sessionmaker() as session:
        steps = await session.scalar(
            select(func.count()).where(IncidentCopyStep.incident_id == uuid.UUID(incident_id))
        )
    assert steps == 3


async def test_photos_are_checked_by_content_and_served_only_to_who_sees_the_report(
    client: httpx.AsyncClient, resident: Resident, auth: Auth, files_dir: Path
) -> None:
    report = await resident.report()
    path = f"/reports/{report['id']}/photos"
    before = stored_files(files_dir)
    fake = await client.post(
        path,
        files={"file": ("photo.png", b"MZ\x90\x00 not an image", "image/png")},
        headers=resident.headers,
    )
    assert fake.status_code == 415
    assert stored_files(files_dir) == before
    added = await client.post(
        path, files={"file": ("门口.png", PNG, "image/png")}, headers=resident.headers
    )
    assert added.status_code == 201, added.text
    photo = added.json()
    assert photo["content_type"] == "image/png"
    staff = auth(Role.COMMUNITY_WORKER, scope=report["community_code"])
    served = await client.get(f"{path}/{photo['id']}", headers=staff)
    assert served.status_code == 200
    assert served.content == PNG
    assert served.headers["x-content-type-options"] == "nosniff"
    neighbour = auth(Role.RESIDENT, scope=report["community_code"])
    assert (await client.get(f"{path}/{photo['id']}", headers=neighbour)).status_code == 404
    assert (
        await client.post(path, files={"file": ("a.png", PNG)}, headers=staff)
    ).status_code == 403
    assert len((await resident.read(report["id"]))["photos"]) == 1


async def test_a_retried_report_with_its_idempotency_key_is_filed_once(
    client: httpx.AsyncClient, resident: Resident, outbox: OutboxReader
) -> None:
    body = {
        "category": "order.noise",
        "title": "夜间施工",
        "description": "十点后还在施工",
        "address": "4幢旁",
    }
    headers = resident.headers | {"Idempotency-Key": str(uuid.uuid4())}
    first = await client.post("/reports", json=body, headers=headers)
    again = await client.post("/reports", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert len(await _of_report(outbox, "report.filed", first.json()["id"])) == 1
    # A photo's upload retried with its own key stores one photo; the answer is replayed.
    photos = f"/reports/{first.json()['id']}/photos"
    upload = resident.headers | {"Idempotency-Key": str(uuid.uuid4())}
    sent = [
        await client.post(photos, files={"file": ("a.png", PNG, "image/png")}, headers=upload)
        for _ in range(2)
    ]
    assert [r.status_code for r in sent] == [201, 201], sent[0].text
    assert sent[1].json()["id"] == sent[0].json()["id"]
    assert sent[1].headers["idempotent-replayed"] == "true"
    assert len((await resident.read(first.json()["id"]))["photos"]) == 1
    # The key names that upload: another file under it, or the report's key, is refused.
    other = await client.post(
        photos, files={"file": ("b.png", PNG + b"\0", "image/png")}, headers=upload
    )
    reused = await client.post(photos, files={"file": ("a.png", PNG, "image/png")}, headers=headers)
    assert (other.status_code, reused.status_code) == (422, 422)
    assert len((await resident.read(first.json()["id"]))["photos"]) == 1
