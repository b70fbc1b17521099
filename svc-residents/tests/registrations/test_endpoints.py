"""The registration endpoints end to end: HTTP, real PostgreSQL, the outbox and the audit log."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.pii import PiiAccessLog
from linli.residents.models import Household, Registration, Resident
from linli.testing import OutboxReader
from linli.testing.tokens import TestIssuer

pytestmark = pytest.mark.usefixtures("tree")

PayloadFactory = Callable[..., dict[str, Any]]
COMMUNITY = "330108001001"
SUBJECT_PREFIX = "linli.3301.330108.330108001.330108001001.residents.resident."


def resident(issuer: TestIssuer, subject: str = "resident-1") -> dict[str, str]:
    return issuer.headers(roles=[Role.RESIDENT], subject=subject)


def worker(issuer: TestIssuer, scope: str = COMMUNITY, subject: str = "worker-1") -> dict[str, str]:
    return issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=scope, subject=subject)


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: type[Any]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def register(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    payload: dict[str, Any],
    subject: str = "resident-1",
) -> dict[str, Any]:
    response = await client.post("/registrations", json=payload, headers=resident(issuer, subject))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_resident_registers_and_gets_a_masked_answer(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    registration_payload: PayloadFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    payload = registration_payload()

    body = await register(client, issuer, payload)

    assert body["status"] == "pending"
    assert body["id_number"] == "330***********" + payload["id_number"][-4:]
    assert body["phone"] == "138****5678"
    assert body["pii_revealed"] is False
    assert body["sex"] == "male"
    assert body["birth_date"] == "1990-03-07"
    assert body["address"] == {"building": "3幢", "unit": "2单元", "room": "501"}
    [event] = await outbox.messages()
    assert event.subject == SUBJECT_PREFIX + "registered"
    assert event.payload["data"]["registration_id"] == body["id"]
    assert event.payload["data"]["id_number_masked"] == body["id_number"]


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"id_number": "330108199003071230"}, ["body.id_number"]),  # wrong check character
        ({"id_number": "330108199002301238"}, ["body.id_number"]),  # 30 February
        ({"phone": "1381234567"}, ["body.phone"]),
        ({"consent": False}, ["body.consent"]),
        ({"birth_date": "1991-03-07"}, ["body.birth_date"]),
        ({"sex": "female"}, ["body.sex"]),
        ({"relation_to_head": "cousin"}, ["body.relation_to_head"]),
        ({"community_code": "330108001"}, ["body.community_code"]),
        ({"address": {"building": "3", "unit": "1"}}, ["body.address.room"]),
        (
            {"address": {"building": "13812345678", "unit": "1", "room": "1"}},
            ["body.address.building"],
        ),
        ({"name": "", "phone": "x"}, ["body.name", "body.phone"]),
    ],
)
async def test_a_malformed_body_is_422_naming_each_field_and_stores_nothing(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    registration_payload: PayloadFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    overrides: dict[str, Any],
    fields: list[str],
    outbox: OutboxReader,
) -> None:
    response = await client.post(
        "/registrations", json=registration_payload(**overrides), headers=resident(issuer)
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert sorted(e["field"] for e in response.json()["errors"]) == fields
    assert await count(sessionmaker, Registration) == 0
    assert await outbox.messages() == []


async def test_a_chinese_client_reads_every_field_error_in_chinese(
    client: httpx.AsyncClient, issuer: TestIssuer, registration_payload: PayloadFactory
) -> None:
    body = registration_payload(
        id_number="330108199003071230", phone="12345", name="", consent=False
    )
    del body["relation_to_head"]

    chinese = await client.post(
        "/registrations",
        json=body,
        headers={**resident(issuer), "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"},
    )
    english = await client.post("/registrations", json=body, headers=resident(issuer))

    assert chinese.status_code == english.status_code == 422
    assert chinese.json()["title"] == "数据校验未通过"
    assert {e["field"]: e["message"] for e in chinese.json()["errors"]} == {
        "body.id_number": "身份证号码校验位不符",
        "body.phone": "手机号码应为以13至19开头的11位数字",
        "body.name": "至少 1 个字符",
        "body.consent": "须本人同意社区保存以上信息",
        "body.relation_to_head": "必填",
    }
    # Our own wording, without pydantic's "Value error, " in front of it.
    assert {e["field"]: e["message"] for e in english.json()["errors"]}["body.id_number"] == (
        "the check character of the ID number does not match"
    )


async def test_an_unknown_community_is_422_on_the_community_field(
    client: httpx.AsyncClient, issuer: TestIssuer, registration_payload: PayloadFactory
) -> None:
    response = await client.post(
        "/registrations",
        json=registration_payload(community_code="330108001099"),
        headers=resident(issuer),
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.community_code"]


async def test_staff_cannot_submit_registrations(
    client: httpx.AsyncClient, issuer: TestIssuer, registration_payload: PayloadFactory
) -> None:
    response = await client.post(
        "/registrations", json=registration_payload(), headers=worker(issuer)
    )

    assert response.status_code == 403


async def test_a_missing_or_forged_token_is_401(
    client: httpx.AsyncClient, registration_payload: PayloadFactory
) -> None:
    forged = TestIssuer().headers(roles=[Role.RESIDENT])

    missing = await client.post("/registrations", json=registration_payload())
    wrong_key = await client.post("/registrations", json=registration_payload(), headers=forged)

    assert missing.status_code == wrong_key.status_code == 401


async def test_a_retry_with_the_same_key_replays_and_another_body_is_refused(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    registration_payload: PayloadFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    headers = resident(issuer) | {"Idempotency-Key": "reg-1"}

    first = await client.post("/registrations", json=registration_payload(), headers=headers)
    again = await client.post("/registrations", json=registration_payload(), headers=headers)
    other = await client.post(
        "/registrations", json=registration_payload(name="王五"), headers=headers
    )

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert other.status_code == 422
    assert await count(sessionmaker, Registration) == 1
    assert len(await outbox.messages()) == 1


async def test_the_applicant_and_staff_in_scope_see_a_registration_others_get_404(
    client: httpx.AsyncClient, issuer: TestIssuer, registration_payload: PayloadFactory
) -> None:
    registration = await register(client, issuer, registration_payload())
    path = f"/registrations/{registration['id']}"
    street_admin = issuer.headers(roles=[Role.STREET_ADMIN], scope="330108001")

    seen = {
        "applicant": await client.get(path, headers=resident(issuer)),
        "worker": await client.get(path, headers=worker(issuer)),
        "street admin": await client.get(path, headers=street_admin),
        "other resident": await client.get(path, headers=resident(issuer, "resident-2")),
        "other community": await client.get(path, headers=worker(issuer, "330108001002")),
        "grid worker": await client.get(
            path, headers=issuer.headers(roles=[Role.GRID_WORKER], scope=COMMUNITY)
        ),
    }

    assert {who: r.status_code for who, r in seen.items()} == {
        "applicant": 200,
        "worker": 200,
        "street admin": 200,
        "other resident": 404,
        "other community": 404,
        "grid worker": 404,
    }


async def test_reveal_shows_clear_values_to_a_community_worker_and_audits_the_read(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    registration_payload: PayloadFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    payload = registration_payload()
    registration = await register(client, issuer, payload)
    path = f"/registrations/{registration['id']}"

    revealed = await client.get(path, params={"reveal": "true"}, headers=worker(issuer))
    street_admin = await client.get(
        path,
        params={"reveal": "true"},
        headers=issuer.headers(roles=[Role.STREET_ADMIN], scope="330108001"),
    )
    applicant = await client.get(path, params={"reveal": "true"}, headers=resident(issuer))

    assert revealed.status_code == 200
    assert revealed.json()["id_number"] == payload["id_number"]
    assert revealed.json()["phone"] == payload["phone"]
    assert revealed.json()["pii_revealed"] is True
    assert street_admin.status_code == applicant.status_code == 403
    async with sessionmaker() as session:
        [audit] = (await session.scalars(select(PiiAccessLog))).all()
    assert (audit.actor, audit.entity, audit.entity_id) == (
        "worker-1",
        "registration",
        registration["id"],
    )
    assert audit.fields == "id_number,phone"
    assert audit.purpose == "registration review"
    assert audit.request_id == revealed.headers["x-request-id"]


async def test_staff_list_their_scope_masked_with_filters_and_cursor(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    registration_payload: PayloadFactory,
    make_id_number: Callable[[str], str],
) -> None:
    ids = [
        (
            await register(
                client,
                issuer,
                registration_payload(id_number=make_id_number(f"3301081990030712{n}")),
            )
        )["id"]
        for n in range(3)
    ]
    await register(
        client,
        issuer,
        registration_payload(community_code="330108002001"),
    )
    headers = worker(issuer)

    first = (await client.get("/registrations", params={"limit": 2}, headers=headers)).json()
    second = (
        await client.get(
            "/registrations", params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
        )
    ).json()
    street = await client.get(
        "/registrations",
        params={"division": "330108001", "status": "pending"},
        headers=issuer.headers(roles=[Role.STREET_ADMIN], scope="330108001"),
    )

    assert [r["id"] for r in first["items"] + second["items"]] == ids
    assert second["next_cursor"] is None
    assert all("*" in r["id_number"] and "*" in r["phone"] for r in first["items"])
    assert [r["id"] for r in street.json()["items"]] == ids


async def test_a_list_filtered_outside_scope_is_403_and_residents_may_not_list(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    other = await client.get(
        "/registrations", params={"division": "330108001002"}, headers=worker(issuer)
    )
    as_resident = await client.get("/registrations", headers=resident(issuer))
    bad_cursor = await client.get(
        "/registrations", params={"cursor": "e30"}, headers=worker(issuer)
    )

    assert other.status_code == as_resident.status_code == 403
    assert bad_cursor.status_code == 422


async def test_approval_creates_household_and_resident_and_publishes_the_contract(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    registration_payload: PayloadFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    registration = await register(client, issuer, registration_payload())

    response = await client.post(
        f"/registrations/{registration['id']}/approve", headers=worker(issuer)
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "approved"
    assert body["decided_by"] == "worker-1"
    async with sessionmaker() as session:
        household = await session.get(Household, body["household_id"])
        person = await session.get(Resident, body["resident_id"])
    assert household is not None and household.address == "3幢-2单元-501"
    assert person is not None and person.household_id == household.id and person.tags == []
    event = next(e for e in await outbox.messages() if e.type.endswith("resident.approved.v1"))
    assert event.subject == SUBJECT_PREFIX + "approved"
    data = event.payload["data"]
    assert data == {
        "type": "cn.linli.residents.resident.approved.v1",
        "community_code": COMMUNITY,
        "registration_id": registration["id"],
        "resident_id": body["resident_id"],
        "household_id": body["household_id"],
        "household_address": "3幢-2单元-501",
        "grid_id": None,
        "name_masked": "张*",
        "birth_year": 1990,
        "approved_by": "worker-1",
        "approved_at": data["approved_at"],
    }
    assert data["approved_at"].startswith(body["decided_at"][:19])


async def test_approval_at_a_building_of_a_grid_joins_that_grid(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    registration_payload: PayloadFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    grid = await client.post(
        "/grids",
        json={"community_code": COMMUNITY, "number": 1, "name": "第一网格"},
        headers=worker(issuer),
    )
    await client.post(
        "/buildings",
        json={"community_code": COMMUNITY, "name": "3幢", "grid_id": grid.json()["id"]},
        headers=worker(issuer),
    )
    registration = await register(client, issuer, registration_payload())

    approved = await client.post(
        f"/registrations/{registration['id']}/approve", headers=worker(issuer)
    )

    assert approved.status_code == 200, approved.text
    event = next(e for e in await outbox.messages() if e.type.endswith("resident.approved.v1"))
    assert event.payload["data"]["grid_id"] == grid.json()["id"]
    async with sessionmaker() as session:
        person = await session.get(Resident, approved.json()["resident_id"])
    assert person is not None and str(person.grid_id) == grid.json()["id"]


async def test_review_refusals_resident_403_outside_scope_404_decided_409(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    registration_payload: PayloadFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    registration = await register(client, issuer, registration_payload())
    approve = f"/registrations/{registration['id']}/approve"
    reject = f"/registrations/{registration['id']}/reject"

    as_resident = await client.post(approve, headers=resident(issuer))
    elsewhere = await client.post(approve, headers=worker(issuer, "330108001002"))
    unknown = await client.post(
        "/registrations/00000000-0000-0000-0000-000000000000/approve", headers=worker(issuer)
    )
    approved = await client.post(approve, headers=worker(issuer))
    again = await client.post(approve, headers=worker(issuer))
    late_reject = await client.post(reject, json={"reason": "迟到"}, headers=worker(issuer))

    assert as_resident.status_code == 403
    assert elsewhere.status_code == unknown.status_code == 404
    assert elsewhere.json()["type"] == unknown.json()["type"]
    assert approved.status_code == 200
    assert again.status_code == late_reject.status_code == 409
    assert again.json()["status"] == "approved"
    # The first approval at an address creates its places and household, published too.
    [registered, *approval] = [e.type for e in await outbox.messages()]
    assert registered == "cn.linli.residents.resident.registered.v1"
    assert sorted(approval) == [
        "cn.linli.residents.building.created.v1",
        "cn.linli.residents.dwelling.created.v1",
        "cn.linli.residents.household.created.v1",
        "cn.linli.residents.resident.approved.v1",
        "cn.linli.residents.unit.created.v1",
    ]


async def test_reject_records_the_reason_and_refuses_one_carrying_a_phone(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    registration_payload: PayloadFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    registration = await register(client, issuer, registration_payload())
    path = f"/registrations/{registration['id']}/reject"

    leaky = await client.post(path, json={"reason": "请回电 13912345678"}, headers=worker(issuer))
    empty = await client.post(path, json={}, headers=worker(issuer))
    rejected = await client.post(path, json={"reason": "地址有误"}, headers=worker(issuer))

    assert leaky.status_code == empty.status_code == 422
    assert [e["field"] for e in leaky.json()["errors"]] == ["body.reason"]
    assert [e["field"] for e in empty.json()["errors"]] == ["body.reason"]
    assert rejected.status_code == 200
    assert rejected.json()["reject_reason"] == "地址有误"
    event = (await outbox.messages())[-1]
    assert event.subject == SUBJECT_PREFIX + "rejected"
    assert set(event.payload["data"]) == {
        "type",
        "community_code",
        "registration_id",
        "reason",
        "rejected_by",
        "rejected_at",
    }


async def test_two_simultaneous_approvals_give_one_200_and_one_409(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    registration_payload: PayloadFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    registration = await register(client, issuer, registration_payload())
    path = f"/registrations/{registration['id']}/approve"

    responses = await asyncio.gather(
        client.post(path, headers=worker(issuer, subject="worker-1")),
        client.post(path, headers=worker(issuer, subject="worker-2")),
    )

    assert sorted(r.status_code for r in responses) == [200, 409]
    # The loser waited on the row lock and then saw the decision (not a unique-index collision).
    [loser] = [r for r in responses if r.status_code == 409]
    assert loser.json()["type"].endswith("/registration-not-pending")
    assert await count(sessionmaker, Resident) == 1
    assert await count(sessionmaker, Household) == 1
    approved = [e for e in await outbox.messages() if e.subject.endswith(".approved")]
    assert len(approved) == 1


async def test_no_event_ever_carries_a_clear_id_number_or_phone(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    registration_payload: PayloadFactory,
    make_id_number: Callable[[str], str],
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    first = registration_payload()
    second = registration_payload(
        id_number=make_id_number("33010820100101002"), phone="15900001111"
    )
    approved = await register(client, issuer, first)
    rejected = await register(client, issuer, second)
    await client.post(f"/registrations/{approved['id']}/approve", headers=worker(issuer))
    await client.post(
        f"/registrations/{rejected['id']}/reject", json={"reason": "重复"}, headers=worker(issuer)
    )

    payloads = [json.dumps(e.payload, ensure_ascii=False) for e in await outbox.messages()]

    # registered ×2, building/unit/dwelling/household created, approved, rejected
    assert len(payloads) == 8
    for clear in (first["id_number"], first["phone"], second["id_number"], second["phone"]):
        assert not any(clear in p for p in payloads)


async def test_registering_an_id_number_that_is_already_a_resident_s_is_409_at_once(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    registration_payload: PayloadFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    first = await register(client, issuer, registration_payload())
    approved = await client.post(f"/registrations/{first['id']}/approve", headers=worker(issuer))
    assert approved.status_code == 200, approved.text

    again = await client.post(
        "/registrations",
        json=registration_payload(
            community_code="330108001002",
            relation_to_head="child",
            address={"building": "1幢", "unit": "1单元", "room": "101"},
        ),
        headers=resident(issuer, "someone-else"),
    )

    assert again.status_code == 409
    problem = again.json()
    assert problem["type"].endswith("/already-a-resident")
    # Whose record it is stays unsaid: no name, no community, no id.
    text = json.dumps(problem, ensure_ascii=False)
    assert (
        "330108001001" not in text
        and "张三" not in text
        and approved.json()["resident_id"] not in text
    )
    assert await count(sessionmaker, Registration) == 1


async def test_registering_as_head_of_a_household_that_has_one_is_409(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    registration_payload: PayloadFactory,
    make_id_number: Callable[[str], str],
) -> None:
    first = await register(client, issuer, registration_payload())
    await client.post(f"/registrations/{first['id']}/approve", headers=worker(issuer))

    second_head = await client.post(
        "/registrations",
        json=registration_payload(id_number=make_id_number("33010819920512002")),
        headers=resident(issuer, "resident-2"),
    )
    spouse = await client.post(
        "/registrations",
        json=registration_payload(
            id_number=make_id_number("33010819920512002"), relation_to_head="spouse"
        ),
        headers=resident(issuer, "resident-2"),
    )

    assert second_head.status_code == 409
    assert second_head.json()["type"].endswith("/household-has-head")
    assert spouse.status_code == 201, spouse.text
