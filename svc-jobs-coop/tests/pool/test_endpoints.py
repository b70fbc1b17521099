"""The labour pool over HTTP: enrolment by a worker and by the resident, refusals that change
nothing, and what an enterprise sees of a member: the phone masked and the address hidden
unless the member allowed it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from linli.testing import OutboxReader

Json = dict[str, Any]
Headers = dict[str, str]
Factory = Callable[..., Any]


async def test_a_worker_enrols_a_resident_with_skills_and_windows(
    client: httpx.AsyncClient, enrol: Factory, outbox: OutboxReader
) -> None:
    member = await enrol("王丽", work_mode="either", address="5幢2单元601")

    assert member["enrolled_by"] == "worker"
    assert member["phone"].startswith("139") and "****" in member["phone"]
    assert member["phone_is_clear"] is False
    assert member["skills"] == [{"skill": "beading", "level": 2, "source": "declared"}]
    assert len(member["availability"]) == 5
    [row] = await outbox.messages(type="worker.enrolled")
    assert row.subject == "linli.3301.330108.330108001.330108001001.jobs-coop.worker.enrolled"
    [event] = await outbox.events(type="worker.enrolled")
    assert event.data["name_masked"] == "王*"
    assert "王丽" not in event.model_dump_json()


async def test_a_registered_resident_enrols_themselves_and_reads_their_own_phone(
    client: httpx.AsyncClient, resident: Callable[..., Headers]
) -> None:
    me = resident("res-li")
    response = await client.post(
        "/members",
        json={"name": "李娟", "phone": "13712345678", "consent": True, "share_phone": True},
        headers=me,
    )
    assert response.status_code == 201, response.text
    assert response.json()["enrolled_by"] == "self"
    own = await client.get("/members/me", headers=me)
    assert own.json()["phone"] == "13712345678"
    # Once in the pool; a resident not yet approved by the community has no scope to enrol in.
    again = await client.post(
        "/members", json={"name": "李娟", "phone": "13712345679", "consent": True}, headers=me
    )
    assert again.status_code == 409
    unregistered = await client.post(
        "/members",
        json={"name": "赵", "phone": "13712345670", "consent": True},
        headers=resident("res-new", community=""),
    )
    assert unregistered.status_code == 403


async def test_bad_input_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, coordinator: Headers, engine: AsyncEngine, enrol: Factory
) -> None:
    await enrol("王丽", phone="13900001111")
    base = {"community_code": "330108001001", "name": "周", "phone": "13900002222", "consent": True}
    for body, field in (
        ({**base, "consent": False}, "body"),
        ({**base, "phone": "１３９００００２２２２"}, "body.phone"),
        ({**base, "phone": "12345"}, "body.phone"),
        ({**base, "name": "x" * 51}, "body.name"),
        ({**base, "name": "周 330108199003071239"}, "body.name"),
        ({**base, "skills": [{"skill": "Beading!", "level": 1}]}, "body.skills.0.skill"),
        ({**base, "skills": [{"skill": "beading", "level": 6}]}, "body.skills.0.level"),
        (
            {**base, "availability": [{"weekday": 1, "start_minute": 900, "end_minute": 540}]},
            "body.availability.0",
        ),
        ({**base, "community_code": "３３０１０８００１００１"}, "body.community_code"),
    ):
        response = await client.post("/members", json=body, headers=coordinator)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert any(e["field"].startswith(field) for e in response.json()["errors"]), response.text
    duplicate = await client.post(
        "/members", json={**base, "phone": "13900001111"}, headers=coordinator
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["type"].endswith("/already-in-pool")
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM members")) == 1


async def test_scope_and_roles_are_enforced(
    client: httpx.AsyncClient, staff: Callable[[str], Headers], enrol: Factory
) -> None:
    member = await enrol()
    elsewhere = staff("330108002001")
    assert (await client.get(f"/members/{member['id']}", headers=elsewhere)).status_code == 404
    created = await client.post(
        "/members",
        json={
            "community_code": "330108001001",
            "name": "周",
            "phone": "13900003333",
            "consent": True,
        },
        headers=elsewhere,
    )
    assert created.status_code == 403
    street = staff("330108001")
    assert (await client.get(f"/members/{member['id']}", headers=street)).status_code == 200
    listed = await client.get("/members", params={"division": "330108002"}, headers=street)
    assert listed.status_code == 403
    assert (await client.get("/members/not-a-uuid", headers=street)).status_code in (404, 422)


async def test_an_enterprise_sees_the_phone_and_address_only_when_the_member_allowed_it(
    client: httpx.AsyncClient,
    enterprise: Json,
    resident: Callable[..., Headers],
    coordinator: Headers,
    engine: AsyncEngine,
) -> None:
    me = resident("res-wang")
    created = await client.post(
        "/members",
        json={"name": "王芳", "phone": "13812345678", "address": "3幢1单元202", "consent": True},
        headers=me,
    )
    member_id = created.json()["id"]

    seen = (await client.get(f"/members/{member_id}", headers=enterprise["headers"])).json()
    assert seen["phone"] == "138****5678" and seen["phone_is_clear"] is False
    assert seen["address"] is None
    assert seen["name"] == "王*"
    listed = (await client.get("/members", headers=enterprise["headers"])).json()["items"]
    assert [m["phone"] for m in listed] == ["138****5678"]
    assert "13812345678" not in str(listed)
    # Staff cannot open it up on the member's behalf when the member has a login of their own.
    forced = await client.patch(
        f"/members/{member_id}", json={"share_phone": True}, headers=coordinator
    )
    assert forced.status_code == 403

    allowed = await client.patch(
        f"/members/{member_id}", json={"share_phone": True, "share_address": True}, headers=me
    )
    assert allowed.status_code == 200, allowed.text
    seen = (await client.get(f"/members/{member_id}", headers=enterprise["headers"])).json()
    assert seen["phone"] == "13812345678" and seen["address"] == "3幢1单元202"
    async with engine.connect() as connection:
        audited = await connection.scalar(
            text("SELECT count(*) FROM pii_access_log WHERE entity_id = :id"), {"id": member_id}
        )
    assert audited == 1
    # The enterprise may never reveal, and staff reveal only for a stated purpose, audited.
    refused = await client.get(
        f"/members/{member_id}", params={"reveal": "true"}, headers=enterprise["headers"]
    )
    assert refused.status_code == 403
    no_purpose = await client.get(
        f"/members/{member_id}", params={"reveal": "true"}, headers=coordinator
    )
    assert no_purpose.status_code == 422
    revealed = await client.get(
        f"/members/{member_id}",
        params={"reveal": "true", "purpose": "通知领料"},
        headers=coordinator,
    )
    assert revealed.json()["phone"] == "13812345678"


async def test_skills_availability_certificates_and_withdrawal(
    client: httpx.AsyncClient, enrol: Factory, coordinator: Headers, outbox: OutboxReader
) -> None:
    member = await enrol()
    path = f"/members/{member['id']}"
    skills = await client.put(
        f"{path}/skills",
        json={"skills": [{"skill": "netting", "level": 1}]},
        headers=coordinator,
    )
    assert [s["skill"] for s in skills.json()["skills"]] == ["netting"]
    certified = await client.post(
        f"{path}/certificates",
        json={
            "skill": "beading",
            "level": 3,
            "title": "串珠工（中级）",
            "issuer": "滨江区人社局",
            "issued_on": "2025-06-01",
        },
        headers=coordinator,
    )
    assert certified.status_code == 201
    assert {(s["skill"], s["level"], s["source"]) for s in certified.json()["skills"]} == {
        ("netting", 1, "declared"),
        ("beading", 3, "certificate"),
    }
    windows = await client.put(
        f"{path}/availability",
        json={"windows": [{"weekday": 6, "start_minute": 480, "end_minute": 720}]},
        headers=coordinator,
    )
    assert windows.json()["availability"] == [
        {"weekday": 6, "start_minute": 480, "end_minute": 720}
    ]
    left = await client.post(f"{path}/withdraw", headers=coordinator)
    assert left.json()["status"] == "withdrawn"
    assert (await client.post(f"{path}/withdraw", headers=coordinator)).status_code == 409
    assert [e.data["fields"] for e in await outbox.events(type="worker.updated")] == [
        ["skills"],
        ["certificates", "skills"],
        ["availability"],
    ]
    assert len(await outbox.events(type="worker.withdrew")) == 1
