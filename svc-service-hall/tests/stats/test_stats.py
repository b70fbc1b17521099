"""`GET /stats` and `GET /stats/residents/{id}`: the hall's figures of a division equal a recount
of what was filed; a resident's open cases for the staff of their scope; refusals."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.service_hall.models import Application
from linli.service_hall.models.reports import Report, ReportStatus


async def _file(
    client: httpx.AsyncClient, item: dict[str, Any], resident: Any, uploads: Any
) -> str:
    answer = await client.post(
        "/applications",
        headers=resident.headers,
        **uploads.form(item_id=item["id"], files={"id_card": uploads.pdf()}),
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["applications"][0]["id"])


async def _step(client: httpx.AsyncClient, application_id: str, action: str, staff: Any) -> None:
    answer = await client.post(
        f"/applications/{application_id}/{action}", json={"note": "已审核"}, headers=staff
    )
    assert answer.status_code == 200, answer.text


async def test_figures_count_the_divisions_cases_and_a_residents_open_ones(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    make_item: Any,
    make_resident: Any,
    uploads: Any,
    auth: Any,
    street_code: str,
    community_code: str,
) -> None:
    item = await make_item(name="居住证办理", divisions=[street_code])
    other_community = f"{street_code}002"
    wang = await make_resident(community_code=community_code)
    li = await make_resident(community_code=other_community)
    staff = auth(Role.STREET_ADMIN, scope=street_code)
    done, rejected, late, waiting = [await _file(client, item, wang, uploads) for _ in range(4)]
    elsewhere = await _file(client, item, li, uploads)
    for action in ("accept", "start", "complete"):
        await _step(client, done, action, staff)
    await _step(client, rejected, "reject", staff)
    async with sessionmaker.begin() as session:
        # As the overdue timer marks it (its own tests drive the timer).
        await session.execute(
            update(Application)
            .where(Application.id.in_([uuid.UUID(late), uuid.UUID(elsewhere)]))
            .values(overdue_at=Application.filed_at)
        )
    reporter = auth(Role.RESIDENT, scope=community_code, name="王小明")
    report_ids = []
    for title in ("路灯坏了", "垃圾堆放"):
        filed = await client.post(
            "/reports",
            json={
                "category": "environment.garbage",
                "title": title,
                "description": "请处理",
                "address": "3幢门口",
            },
            headers=reporter,
        )
        assert filed.status_code == 201, filed.text
        report_ids.append(uuid.UUID(filed.json()["id"]))
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Report).where(Report.id == report_ids[0]).values(status=ReportStatus.CLOSED)
        )

    of_street = await client.get("/stats", params={"division": street_code}, headers=staff)
    assert of_street.status_code == 200, of_street.text
    assert of_street.json() == {
        "division": street_code,
        "applications_open": 3,
        "applications_completed": 1,
        "applications_rejected": 1,
        "sla_breaches": 2,
        "sla_breaches_open": 2,
        "reports_open": 1,
        "reports_closed": 1,
    }
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    own = (await client.get("/stats", headers=worker)).json()
    assert (own["division"], own["applications_open"], own["sla_breaches"]) == (
        community_code,
        2,
        1,
    )

    facts = await client.get(f"/stats/residents/{wang.resident_id}", headers=worker)
    assert facts.status_code == 200, facts.text
    body = facts.json()
    assert body["community_code"] == community_code
    assert body["applications_completed"] == 1
    assert {a["id"]: (a["item_name"], a["overdue"]) for a in body["applications_open"]} == {
        late: ("居住证办理", True),
        waiting: ("居住证办理", False),
    }
    # A worker of another community: the resident does not exist for them.
    stranger = auth(Role.COMMUNITY_WORKER, scope=other_community)
    assert (
        await client.get(f"/stats/residents/{wang.resident_id}", headers=stranger)
    ).status_code == 404
    assert (await client.get(f"/stats/residents/{uuid.uuid4()}", headers=worker)).status_code == 404
    assert (
        await client.get(f"/stats/residents/{wang.resident_id}", headers=wang.headers)
    ).status_code == 403


async def test_residents_other_scopes_and_bad_codes_are_refused(
    client: httpx.AsyncClient, auth: Any, community_code: str, street_code: str
) -> None:
    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    resident = auth(Role.RESIDENT, scope=community_code)
    assert (await client.get("/stats", headers=resident)).status_code == 403
    for division in (street_code, f"{street_code}002"):
        outside = await client.get("/stats", params={"division": division}, headers=worker)
        assert outside.status_code == 403, division
    for division in ("3301081", "33010\x0001", "３３０１"):
        bad = await client.get("/stats", params={"division": division}, headers=worker)
        assert bad.status_code == 422, division
    assert (await client.get("/stats/residents/not-a-uuid", headers=worker)).status_code == 422


async def test_children_of_a_street_equal_each_communitys_own_answer(
    client: httpx.AsyncClient,
    make_item: Any,
    make_resident: Any,
    uploads: Any,
    auth: Any,
    street_code: str,
    community_code: str,
) -> None:
    item = await make_item(name="居住证办理", divisions=[street_code])
    other_community = f"{street_code}002"
    wang = await make_resident(community_code=community_code)
    li = await make_resident(community_code=other_community)
    staff = auth(Role.STREET_ADMIN, scope=street_code)
    done = await _file(client, item, wang, uploads)
    await _file(client, item, wang, uploads)
    await _file(client, item, li, uploads)
    await _step(client, done, "reject", staff)
    filed = await client.post(
        "/reports",
        json={
            "category": "environment.garbage",
            "title": "垃圾",
            "description": "请处理",
            "address": "5幢",
        },
        headers=auth(Role.RESIDENT, scope=other_community, name="李四"),
    )
    assert filed.status_code == 201, filed.text

    street = await client.get(
        "/stats", params={"division": street_code, "children": "true"}, headers=staff
    )
    assert street.status_code == 200, street.text
    body = street.json()
    own = [
        (await client.get("/stats", params={"division": code}, headers=staff)).json()
        for code in (community_code, other_community)
    ]
    assert body["children"] == own
    assert [c["applications_open"] for c in body["children"]] == [1, 1]
    assert body["children"][1]["reports_open"] == 1
    assert {k: v for k, v in body.items() if k != "children"} == (
        await client.get("/stats", params={"division": street_code}, headers=staff)
    ).json()
    # A community has nothing below it; without the flag there is no `children` at all.
    community = await client.get(
        "/stats", params={"division": community_code, "children": "true"}, headers=staff
    )
    assert community.json()["children"] == []
    assert "children" not in own[0]

    worker = auth(Role.COMMUNITY_WORKER, scope=community_code)
    outside = await client.get(
        "/stats", params={"division": street_code, "children": "true"}, headers=worker
    )
    assert outside.status_code == 403
    for params in ({"division": "3301081", "children": "true"}, {"children": "maybe"}):
        assert (await client.get("/stats", params=params, headers=staff)).status_code == 422


async def test_the_openapi_documents_the_children_flag_and_field(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    parameters = spec["paths"]["/stats"]["get"]["parameters"]
    assert "children" in {p["name"] for p in parameters}
    assert "children" in spec["components"]["schemas"]["HallStats"]["properties"]
