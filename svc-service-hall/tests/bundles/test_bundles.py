"""一件事 bundles: one filing with one set of materials fans out to every item; one item returned
returns only it; the bundle completes, once, when its last item does."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from linli.common.auth import Role
from linli.testing import OutboxReader

Maker = Any


def count_files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file())


async def _bundle(
    client: httpx.AsyncClient, auth: Maker, make_item: Maker, street_code: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    id_card = {"code": "id_card", "name": "身份证", "required": True, "types": ["application/pdf"]}
    birth = {
        "code": "birth_cert",
        "name": "出生医学证明",
        "required": True,
        "types": ["application/pdf", "image/png"],
    }
    photo = {"code": "photo", "name": "照片", "required": True, "types": ["image/png"]}
    items = [
        await make_item(name="出生登记", materials=[id_card, birth], days=5),
        await make_item(name="医保参保登记", materials=[id_card, photo], days=3),
        await make_item(name="社保卡申领", materials=[id_card, photo], days=10),
    ]
    answer = await client.post(
        "/bundles",
        json={
            "code": f"life.newborn.{street_code}",
            "name": "新生儿出生一件事",
            "owning_division": street_code,
            "item_ids": [i["id"] for i in items],
        },
        headers=auth(Role.STREET_ADMIN, scope=street_code),
    )
    assert answer.status_code == 201, answer.text
    return answer.json(), items


async def test_a_bundle_returned_on_one_item_completes_with_its_last_item(
    client: httpx.AsyncClient,
    auth: Maker,
    make_item: Maker,
    make_resident: Maker,
    uploads: Maker,
    street_code: str,
    community_code: str,
    files_dir: Path,
    outbox: OutboxReader,
) -> None:
    bundle, _ = await _bundle(client, auth, make_item, street_code)
    resident = await make_resident(community_code=community_code)
    offered = await client.get("/bundles", headers=resident.headers)
    assert bundle["id"] in [b["id"] for b in offered.json()]

    before = count_files(files_dir)
    filed = await client.post(
        "/applications",
        headers=resident.headers,
        **uploads.form(
            bundle_id=bundle["id"],
            files={
                "id_card": uploads.pdf(),
                "birth_cert": uploads.pdf("出生证.pdf"),
                "photo": uploads.png(),
            },
        ),
    )
    assert filed.status_code == 201, filed.text
    filing = filed.json()
    # Three applications, one per item; the id card shared by all three is stored once.
    assert [a["item_name"] for a in filing["applications"]] == [
        "出生登记",
        "医保参保登记",
        "社保卡申领",
    ]
    assert count_files(files_dir) == before + 3
    birth, insurance, card = (a["id"] for a in filing["applications"])
    detail = (await client.get(f"/applications/{card}", headers=resident.headers)).json()
    assert sorted(m["material_code"] for m in detail["materials"]) == ["id_card", "photo"]

    staff = auth(Role.COMMUNITY_WORKER, scope=community_code)

    async def step(
        application: str, action: str, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        answer = await client.post(
            f"/applications/{application}/{action}", json=body or {}, headers=staff
        )
        assert answer.status_code == 200, answer.text
        return answer

    for application in (birth, insurance, card):
        await step(application, "accept")
    await step(insurance, "return", {"materials": ["photo"], "note": "照片需为白底"})
    status = (await client.get(f"/filings/{filing['id']}", headers=resident.headers)).json()
    assert {a["id"]: a["status"] for a in status["applications"]} == {
        birth: "accepted",
        insurance: "returned",
        card: "accepted",
    }
    for application in (birth, card):
        await step(application, "start")
        await step(application, "complete")
    status = (await client.get(f"/filings/{filing['id']}", headers=resident.headers)).json()
    assert status["status"] == "open"
    assert [(h["item_name"], h["status"]) for h in status["held_up_by"]] == [
        ("医保参保登记", "returned")
    ]

    uploaded = await client.post(
        f"/applications/{insurance}/materials",
        headers=resident.headers,
        data={"material_code": "photo"},
        files={"material_file": uploads.png("白底.png")},
    )
    assert uploaded.status_code == 201, uploaded.text
    resumed = await client.post(f"/applications/{insurance}/resubmit", headers=resident.headers)
    assert resumed.status_code == 200, resumed.text
    await step(insurance, "start")
    await step(insurance, "complete")

    done = (await client.get(f"/filings/{filing['id']}", headers=resident.headers)).json()
    assert (done["status"], done["held_up_by"]) == ("completed", [])
    completed = [e for e in await outbox.data("bundle.completed") if e["filing_id"] == filing["id"]]
    assert len(completed) == 1
    assert completed[0]["bundle_code"] == bundle["code"]


async def test_the_last_two_items_completed_at_once_complete_the_bundle_once(
    client: httpx.AsyncClient,
    auth: Maker,
    make_item: Maker,
    make_resident: Maker,
    uploads: Maker,
    street_code: str,
    community_code: str,
    outbox: OutboxReader,
) -> None:
    bundle, _ = await _bundle(client, auth, make_item, street_code)
    resident = await make_resident(community_code=community_code)
    filed = await client.post(
        "/applications",
        headers=resident.headers,
        **uploads.form(
            bundle_id=bundle["id"],
            files={"id_card": uploads.pdf(), "birth_cert": uploads.pdf(), "photo": uploads.png()},
        ),
    )
    filing = filed.json()
    ids = [a["id"] for a in filing["applications"]]
    workers = [auth(Role.COMMUNITY_WORKER, scope=community_code) for _ in ids]
    for application in ids:
        for action in ("accept", "start"):
            await client.post(f"/applications/{application}/{action}", json={}, headers=workers[0])
    answers = await asyncio.gather(
        *(
            client.post(f"/applications/{a}/complete", json={}, headers=w)
            for a, w in zip(ids, workers, strict=True)
        )
    )
    assert [a.status_code for a in answers] == [200, 200, 200]
    completed = [e for e in await outbox.data("bundle.completed") if e["filing_id"] == filing["id"]]
    assert len(completed) == 1


async def test_a_missing_shared_material_refuses_the_whole_bundle(
    client: httpx.AsyncClient,
    auth: Maker,
    make_item: Maker,
    make_resident: Maker,
    uploads: Maker,
    street_code: str,
    community_code: str,
) -> None:
    bundle, _ = await _bundle(client, auth, make_item, street_code)
    resident = await make_resident(community_code=community_code)
    answer = await client.post(
        "/applications",
        headers=resident.headers,
        **uploads.form(
            bundle_id=bundle["id"], files={"birth_cert": uploads.pdf(), "photo": uploads.png()}
        ),
    )
    assert (answer.status_code, answer.json()["missing"]) == (422, ["id_card"])
    assert (await client.get("/applications", headers=resident.headers)).json()["items"] == []
