"""The state machine through HTTP: each step by hall staff, 409 naming the allowed moves, a
return for materials that the resident answers by uploading and resubmitting."""

from __future__ import annotations

import asyncio
from typing import Any

from linli.common.auth import Role
from linli.testing import OutboxReader

Maker = Any


async def test_submitted_to_completed_with_a_return_on_the_way(
    filed: Maker, uploads: Maker, outbox: OutboxReader
) -> None:
    case = await filed()
    assert (await case.step("accept", {"note": "材料齐全"})).json()["status"] == "accepted"
    returned = await case.step("return", {"materials": ["id_card"], "note": "身份证复印件不清晰"})
    assert returned.status_code == 200, returned.text
    body = returned.json()
    assert (body["status"], body["returned_materials"], body["clock"]["paused"]) == (
        "returned",
        ["id_card"],
        True,
    )

    # The resident may not resubmit before uploading what was asked.
    early = await case.step("resubmit", by=case.resident.headers)
    assert (early.status_code, early.json()["missing"]) == (422, ["id_card"])
    upload = await case.client.post(
        f"/applications/{case.id}/materials",
        headers=case.resident.headers,
        data={"material_code": "id_card"},
        files={"material_file": uploads.pdf("清晰版.pdf")},
    )
    assert upload.status_code == 201, upload.text
    again = await case.step("resubmit", by=case.resident.headers)
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["clock"]["paused"]) == ("accepted", False)

    assert (await case.step("start")).json()["status"] == "in_progress"
    done = await case.step("complete", {"note": "已办结"})
    assert done.json()["status"] == "completed"
    detail = await case.read()
    assert [s["action"] for s in detail["timeline"]] == [
        "submit",
        "accept",
        "return",
        "resubmit",
        "start",
        "complete",
    ]
    assert detail["timeline"][2]["note"] == "身份证复印件不清晰"
    assert detail["timeline"][1]["actor_name_masked"] == "赵*"
    [material] = detail["materials"]
    assert material["name"] == "清晰版.pdf"  # the later file supersedes the first
    types = [
        e.data["type"].split(".")[-2]
        for e in await outbox.events()
        if e.data.get("application_id") == case.id
    ]
    assert types == ["submitted", "accepted", "returned", "resubmitted", "started", "completed"]


async def test_an_illegal_move_is_409_naming_the_state_and_the_allowed_moves(filed: Maker) -> None:
    case = await filed()
    early = await case.step("complete")
    assert early.status_code == 409
    assert early.headers["content-type"].startswith("application/problem+json")
    assert (early.json()["state"], early.json()["allowed"]) == (
        "submitted",
        ["accept", "reject", "return"],
    )
    assert (await case.step("reject", {"note": "不符合条件"})).status_code == 200
    late = await case.step("accept")
    assert (late.status_code, late.json()["state"], late.json()["allowed"]) == (409, "rejected", [])
    assert (await case.read())["status"] == "rejected"


async def test_who_may_take_a_step(filed: Maker, auth: Maker, community_code: str) -> None:
    case = await filed()
    assert (await case.step("accept", by=case.resident.headers)).status_code == 403
    elsewhere = auth(Role.COMMUNITY_WORKER, scope=community_code[:9] + "002")
    assert (await case.step("accept", by=elsewhere)).status_code == 404
    assert (await case.step("return", {"materials": ["passport"], "note": "x"})).status_code == 422
    assert (await case.step("reject", {})).status_code == 422  # a rejection needs its reason
    assert (await case.read())["status"] == "submitted"


async def test_two_workers_accepting_at_once_accept_once(
    filed: Maker, auth: Maker, community_code: str
) -> None:
    case = await filed()
    colleague = auth(Role.COMMUNITY_WORKER, scope=community_code)
    answers = await asyncio.gather(case.step("accept"), case.step("accept", by=colleague))
    assert sorted(a.status_code for a in answers) == [200, 409]
    steps = [s["action"] for s in (await case.read())["timeline"]]
    assert steps == ["submit", "accept"]


async def test_a_grid_worker_files_on_the_round_and_follows_only_that(
    client: Any,
    make_item: Maker,
    make_resident: Maker,
    uploads: Maker,
    auth: Maker,
    community_code: str,
) -> None:
    item = await make_item(channels=("grid_worker",), materials=[])
    resident = await make_resident(community_code=community_code)
    grid_worker = auth(Role.GRID_WORKER, scope=community_code)
    filed = await client.post(
        "/applications",
        headers=grid_worker,
        **uploads.form(
            item_id=item["id"], channel="grid_worker", resident_id=str(resident.resident_id)
        ),
    )
    assert filed.status_code == 201, filed.text
    application = filed.json()["applications"][0]["id"]
    mine = await client.get("/applications", headers=grid_worker)
    assert [a["id"] for a in mine.json()["items"]] == [application]
    # Handling it is the hall's: the grid worker may not accept it.
    assert (
        await client.post(f"/applications/{application}/accept", json={}, headers=grid_worker)
    ).status_code == 403
    colleague = auth(Role.GRID_WORKER, scope=community_code)
    assert (await client.get(f"/applications/{application}", headers=colleague)).status_code == 404
    assert (await client.get("/applications", headers=colleague)).json()["items"] == []
    hall = auth(Role.COMMUNITY_WORKER, scope=community_code)
    assert (
        await client.post(f"/applications/{application}/accept", json={}, headers=hall)
    ).status_code == 200
