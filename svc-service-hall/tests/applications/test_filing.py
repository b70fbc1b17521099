"""Filing an application with its materials: type read from the content, size limited, nothing
left on disk when refused, files served only to the applicant and the community's staff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from linli.common.auth import Role
from linli.testing import OutboxReader

Maker = Any


def stored(files_dir: Path) -> list[Path]:
    return sorted(p for p in files_dir.rglob("*") if p.is_file())


async def test_a_resident_files_online_and_reads_their_application(
    client: httpx.AsyncClient,
    make_item: Maker,
    make_resident: Maker,
    uploads: Maker,
    auth: Maker,
    community_code: str,
    files_dir: Path,
    outbox: OutboxReader,
) -> None:
    item = await make_item(days=5, fee_fen=1000)
    resident = await make_resident(community_code=community_code)
    before = len(stored(files_dir))
    answer = await client.post(
        "/applications",
        headers=resident.headers,
        **uploads.form(item_id=item["id"], files={"id_card": uploads.pdf("身份证.pdf")}),
    )
    assert answer.status_code == 201, answer.text
    filing = answer.json()
    [application] = filing["applications"]
    assert (application["status"], application["item_version"], application["fee_fen"]) == (
        "submitted",
        1,
        1000,
    )
    assert application["clock"]["promised_working_days"] == 5
    assert application["clock"]["working_days_used"] == 0
    assert filing["held_up_by"][0]["application_id"] == application["id"]
    assert len(stored(files_dir)) == before + 1

    detail = (
        await client.get(f"/applications/{application['id']}", headers=resident.headers)
    ).json()
    assert [s["action"] for s in detail["timeline"]] == ["submit"]
    [material] = detail["materials"]
    assert (material["material_code"], material["name"], material["content_type"]) == (
        "id_card",
        "身份证.pdf",
        "application/pdf",
    )
    download = f"/applications/{application['id']}/materials/{material['id']}"
    got = await client.get(download, headers=resident.headers)
    assert got.status_code == 200 and got.content == uploads.pdf_bytes
    assert got.headers["x-content-type-options"] == "nosniff"
    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)
    assert (await client.get(download, headers=staff)).status_code == 200

    # Another resident, and staff of another community, are told it does not exist.
    stranger = await make_resident(community_code=community_code)
    elsewhere = auth(Role.COMMUNITY_WORKER, scope="330108999001")
    for who in (stranger.headers, elsewhere):
        assert (
            await client.get(f"/applications/{application['id']}", headers=who)
        ).status_code == 404
        assert (await client.get(download, headers=who)).status_code == 404
    listed = await client.get("/applications", headers=stranger.headers)
    assert listed.json()["items"] == []

    [submitted] = [
        e
        for e in await outbox.events(type="application.submitted")
        if e.data["application_id"] == application["id"]
    ]
    assert submitted.subject == application["id"]
    assert submitted.data["community_code"] == community_code
    assert "身份证" not in submitted.model_dump_json()


async def test_refused_uploads_leave_no_file(
    client: httpx.AsyncClient,
    make_item: Maker,
    make_resident: Maker,
    uploads: Maker,
    community_code: str,
    files_dir: Path,
    settings: Any,
) -> None:
    item = await make_item(
        materials=[
            {
                "code": "photo",
                "name": "照片",
                "required": True,
                "types": ["image/png", "image/jpeg"],
            },
            {"code": "id_card", "name": "身份证", "required": True, "types": ["application/pdf"]},
        ]
    )
    resident = await make_resident(community_code=community_code)
    before = stored(files_dir)

    async def refused(files: dict[str, tuple[str, bytes, str]]) -> httpx.Response:
        answer = await client.post(
            "/applications",
            headers=resident.headers,
            **uploads.form(item_id=item["id"], files=files),
        )
        assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
        return answer

    # An executable renamed .pdf, after a good photo that was stored first: both gone.
    exe = await refused({"photo": uploads.png(), "id_card": uploads.exe("scan.pdf")})
    assert exe.status_code == 415
    assert exe.json()["accepted"] == ["application/pdf"]
    # Over the limit (the tests' limit is 1 MiB; production's 10 MiB).
    big = (
        "big.pdf",
        uploads.pdf_bytes + b"0" * (settings.materials_max_bytes + 1),
        "application/pdf",
    )
    too_large = await refused({"photo": uploads.png(), "id_card": big})
    assert too_large.status_code == 413
    assert too_large.json()["max_bytes"] == settings.materials_max_bytes
    # A path-like name, an empty file, a missing required material, an unknown material.
    assert (
        await refused({"photo": uploads.png("../../etc/passwd"), "id_card": uploads.pdf()})
    ).status_code == 422
    assert (
        await refused({"photo": ("empty.png", b"", "image/png"), "id_card": uploads.pdf()})
    ).status_code == 422
    missing = await refused({"photo": uploads.png()})
    assert (missing.status_code, missing.json()["missing"]) == (422, ["id_card"])
    unknown = await refused(
        {"photo": uploads.png(), "id_card": uploads.pdf(), "passport": uploads.pdf()}
    )
    assert unknown.status_code == 422

    assert stored(files_dir) == before
    assert (await client.get("/applications", headers=resident.headers)).json()["items"] == []


async def test_an_item_not_offered_in_the_community_or_channel(
    client: httpx.AsyncClient,
    make_item: Maker,
    make_resident: Maker,
    uploads: Maker,
    auth: Maker,
    community_code: str,
) -> None:
    other = community_code[:9] + "002"
    item = await make_item(divisions=[other], materials=[])
    resident = await make_resident(community_code=community_code)
    answer = await client.post(
        "/applications", headers=resident.headers, **uploads.form(item_id=item["id"])
    )
    assert answer.status_code == 422
    assert answer.json()["type"].endswith("not-offered")

    counter_only = await make_item(divisions=[community_code], materials=[], channels=("counter",))
    online = await client.post(
        "/applications", headers=resident.headers, **uploads.form(item_id=counter_only["id"])
    )
    assert online.status_code == 422
    # At the counter a worker files it for the resident.
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code, name="陈晓")
    at_counter = await client.post(
        "/applications",
        headers=worker,
        **uploads.form(
            item_id=counter_only["id"], channel="counter", resident_id=str(resident.resident_id)
        ),
    )
    assert at_counter.status_code == 201, at_counter.text
    mine = await client.get("/applications", headers=resident.headers)
    assert [a["id"] for a in mine.json()["items"]] == [at_counter.json()["applications"][0]["id"]]
    # A worker of another community may not file for this resident.
    stranger = auth(Role.COMMUNITY_WORKER, scope=community_code[:9] + "003")
    refused = await client.post(
        "/applications",
        headers=stranger,
        **uploads.form(
            item_id=counter_only["id"], channel="counter", resident_id=str(resident.resident_id)
        ),
    )
    assert refused.status_code == 403


async def test_a_retry_with_the_same_idempotency_key_files_once(
    client: httpx.AsyncClient,
    make_item: Maker,
    make_resident: Maker,
    uploads: Maker,
    community_code: str,
) -> None:
    item = await make_item()
    resident = await make_resident(community_code=community_code)
    headers = {**resident.headers, "Idempotency-Key": "filing-1"}
    parts = uploads.form(item_id=item["id"], files={"id_card": uploads.pdf()})
    first = await client.post("/applications", headers=headers, **parts)
    again = await client.post("/applications", headers=headers, **parts)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    other = uploads.form(item_id=item["id"], files={"id_card": uploads.pdf("another.pdf")})
    assert (await client.post("/applications", headers=headers, **other)).status_code == 422
    assert len((await client.get("/applications", headers=resident.headers)).json()["items"]) == 1


async def test_hostile_form_fields_are_422(
    client: httpx.AsyncClient,
    make_item: Maker,
    make_resident: Maker,
    uploads: Maker,
    community_code: str,
) -> None:
    item = await make_item()
    resident = await make_resident(community_code=community_code)
    for data in (
        {"item_id": item["id"], "channel": "online\x00", "material_codes": ["id_card"]},
        {"item_id": "not-a-uuid", "material_codes": ["id_card"]},
        {"item_id": item["id"], "material_codes": ["ID CARD"]},
        {"item_id": item["id"], "material_codes": ["id_card", "photo"]},  # two codes, one file
        {"item_id": item["id"], "bundle_id": item["id"], "material_codes": ["id_card"]},
    ):
        answer = await client.post(
            "/applications",
            headers=resident.headers,
            data=data,
            files=[("material_files", uploads.pdf())],
        )
        assert answer.status_code in (404, 422), (data, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")


async def test_a_worker_enters_a_paper_application_received_earlier(
    client: httpx.AsyncClient,
    make_item: Maker,
    make_resident: Maker,
    uploads: Maker,
    auth: Maker,
    community_code: str,
) -> None:
    from datetime import timedelta

    from linli.service_hall import calendar

    item = await make_item(days=5)
    resident = await make_resident(community_code=community_code)
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    today = calendar.today()
    received = today - timedelta(days=30)
    parts = uploads.form(
        item_id=item["id"],
        channel="counter",
        resident_id=str(resident.resident_id),
        files={"id_card": uploads.pdf()},
    )
    parts["data"]["received_on"] = received.isoformat()
    answer = await client.post("/applications", headers=worker, **parts)
    assert answer.status_code == 201, answer.text
    view = answer.json()["applications"][0]["clock"]
    assert view["filed_on"] == received.isoformat()
    assert view["due_on"] == calendar.add_working_days(received, 5).isoformat()
    assert view["overdue"] is True and view["working_days_left"] == 0
    # Residents cannot backdate; nobody can post-date or go further back than 60 days.
    for who, day in (
        (resident.headers, received),
        (worker, today + timedelta(days=1)),
        (worker, today - timedelta(days=61)),
    ):
        parts["data"]["received_on"] = day.isoformat()
        if who is resident.headers:
            parts["data"]["channel"] = "online"
            parts["data"].pop("resident_id")
        refused = await client.post("/applications", headers=who, **parts)
        assert refused.status_code == 422, refused.text


async def test_a_hall_serves_the_residents_of_its_communities_only(
    client: httpx.AsyncClient,
    make_item: Maker,
    make_resident: Maker,
    uploads: Maker,
    auth: Maker,
    street_code: str,
    community_code: str,
) -> None:
    admin = auth(Role.STREET_ADMIN, scope=street_code)
    point = await client.post(
        "/service-points",
        json={
            "division_code": street_code,
            "name": "邻里中心",
            "address": "路1号",
            "communities": [community_code, street_code + "002"],
        },
        headers=admin,
    )
    item = await make_item(materials=[], divisions=[street_code])
    served = await make_resident(community_code=street_code + "002")
    not_served = await make_resident(community_code=street_code + "009")

    def at_the_hall(resident: Any) -> dict[str, Any]:
        parts = uploads.form(
            item_id=item["id"], channel="counter", resident_id=str(resident.resident_id)
        )
        parts["data"]["service_point_id"] = point.json()["id"]
        return dict(parts)

    ok = await client.post("/applications", headers=admin, **at_the_hall(served))
    assert (ok.status_code, ok.json()["service_point_id"]) == (201, point.json()["id"])
    refused = await client.post("/applications", headers=admin, **at_the_hall(not_served))
    assert (refused.status_code, refused.json()["type"].split("/")[-1]) == (422, "not-offered")


async def test_fifty_megabytes_over_the_production_limit_leave_no_file(
    settings: Any,
    issuer: Any,
    make_item: Maker,
    make_resident: Maker,
    uploads: Maker,
    community_code: str,
    files_dir: Path,
) -> None:
    from linli.service_hall.app import create_app
    from linli.service_hall.config import Settings
    from linli.testing import serve_app

    production = settings.model_copy(update={"materials_max_bytes": Settings().materials_max_bytes})
    assert production.materials_max_bytes == 10 * 1024 * 1024
    item = await make_item()
    resident = await make_resident(community_code=community_code)
    before = stored(files_dir)
    fifty = ("scan.pdf", uploads.pdf_bytes + b"0" * (50 * 1024 * 1024), "application/pdf")
    async with serve_app(create_app(production, token_verifier=issuer.verifier())) as big:
        answer = await big.post(
            "/applications",
            headers=resident.headers,
            **uploads.form(item_id=item["id"], files={"id_card": fifty}),
        )
    assert (answer.status_code, answer.json()["max_bytes"]) == (413, 10 * 1024 * 1024)
    assert stored(files_dir) == before
