"""Households and residents over HTTP: stored state, masking and audited reveal, blind-index
look-up, search filters, the scope rule for each role, soft deletion and events without PII."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.pii import PiiAccessLog
from linli.residents.ages import latest_birth_for_age, today_in_shanghai
from linli.residents.identity import check_character
from linli.residents.models import Household, Resident
from linli.testing import OutboxReader
from linli.testing.tokens import TestIssuer

ResidentFactory = Callable[..., Awaitable[dict[str, Any]]]

pytestmark = pytest.mark.usefixtures("tree")

COMMUNITY = "330108001001"
ADDRESS = {"building": "3幢", "unit": "2单元", "room": "501"}


def worker(issuer: TestIssuer, scope: str = COMMUNITY) -> dict[str, str]:
    return issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=scope, subject=f"worker-{scope}")


def id_number_born(born: date, order: str = "123") -> str:
    body = f"330108{born:%Y%m%d}{order}"
    return body + check_character(body)


def resident_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "community_code": COMMUNITY,
        "address": ADDRESS,
        "name": "张三",
        "id_number": id_number_born(date(1990, 3, 7)),
        "phone": "13812345678",
        "relation_to_head": "head",
        "tags": ["party_member"],
        "consent": True,
    }
    body.update(overrides)
    return body


async def test_a_worker_enters_a_resident_at_an_address_stored_encrypted_and_shown_masked(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    create_resident: ResidentFactory,
    outbox: OutboxReader,
) -> None:
    body = await create_resident(tags=["party_member"])

    assert body["id_number"] == "330***********" + resident_body()["id_number"][-4:]
    assert body["phone"] == "138****5678"
    assert body["pii_revealed"] is False
    assert (body["sex"], body["birth_date"]) == ("male", "1990-03-07")
    assert body["age_band"] == "35-59"
    assert body["tags"] == ["party_member"]
    async with sessionmaker() as session:
        stored = await session.get(Resident, body["id"])
        household = await session.get(Household, body["household_id"])
    assert stored is not None and household is not None
    assert resident_body()["id_number"].encode() not in stored.id_number_cipher
    assert household.address == "3幢-2单元-501"
    # The address's building, unit and dwelling did not exist: they are created and published.
    # One transaction: its events share a timestamp, so their order is not asserted.
    assert sorted(e.type.split(".")[3] for e in await outbox.messages()) == [
        "building",
        "dwelling",
        "household",
        "resident",
        "unit",
    ]


async def test_a_worker_records_the_low_income_tag_which_the_hall_subsidises(
    sessionmaker: async_sessionmaker[AsyncSession], create_resident: ResidentFactory
) -> None:
    body = await create_resident(tags=["low_income", "living_alone"])

    assert body["tags"] == ["living_alone", "low_income"]
    async with sessionmaker() as session:
        stored = await session.get(Resident, body["id"])
    assert stored is not None and stored.tags == ["living_alone", "low_income"]


async def test_the_same_person_twice_is_409_and_a_wrong_check_digit_is_422(
    client: httpx.AsyncClient, issuer: TestIssuer, create_resident: ResidentFactory
) -> None:
    await create_resident(tags=["party_member"])

    twice = await client.post("/residents", json=resident_body(), headers=worker(issuer))
    bad = await client.post(
        "/residents",
        json=resident_body(id_number=resident_body()["id_number"][:17] + "0"),
        headers=worker(issuer),
    )
    derived_tag = await client.post(
        "/residents", json=resident_body(tags=["elderly"]), headers=worker(issuer)
    )

    assert twice.status_code == 409
    assert twice.json()["type"].endswith("/resident-already-registered")
    assert bad.status_code == derived_tag.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["body.id_number"]


async def test_reveal_needs_a_community_worker_and_a_purpose_and_is_audited(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    create_resident: ResidentFactory,
) -> None:
    resident = await create_resident(tags=["party_member"])
    path = f"/residents/{resident['id']}"
    street_admin = issuer.headers(roles=[Role.STREET_ADMIN], scope="330108001")

    no_purpose = await client.get(path, params={"reveal": "true"}, headers=worker(issuer))
    by_admin = await client.get(
        path, params={"reveal": "true", "purpose": "核对"}, headers=street_admin
    )
    revealed = await client.get(
        path, params={"reveal": "true", "purpose": "核对身份证"}, headers=worker(issuer)
    )

    assert no_purpose.status_code == 422
    assert by_admin.status_code == 403
    assert revealed.status_code == 200
    assert revealed.json()["id_number"] == resident_body()["id_number"]
    assert revealed.json()["phone"] == "13812345678"
    assert revealed.json()["pii_revealed"] is True
    async with sessionmaker() as session:
        [audit] = (await session.scalars(select(PiiAccessLog))).all()
    assert (audit.entity, audit.entity_id, audit.purpose) == (
        "resident",
        resident["id"],
        "核对身份证",
    )
    assert audit.fields == "id_number,phone"
    assert audit.actor == f"worker-{COMMUNITY}"


async def test_find_by_exact_id_number_or_phone_through_the_blind_index(
    client: httpx.AsyncClient, issuer: TestIssuer, create_resident: ResidentFactory
) -> None:
    wanted = await create_resident(tags=["party_member"])
    await create_resident(
        name="李四",
        id_number=id_number_born(date(1992, 5, 12), "124"),
        phone="13900001111",
        relation_to_head="spouse",
        tags=["party_member"],
    )

    by_id = await client.get(
        "/residents",
        params={"id_number": resident_body()["id_number"].lower()},
        headers=worker(issuer),
    )
    by_phone = await client.get(
        "/residents", params={"phone": "+86 138 1234 5678"}, headers=worker(issuer)
    )
    nobody = await client.get("/residents", params={"phone": "13700000000"}, headers=worker(issuer))

    assert [r["id"] for r in by_id.json()["items"]] == [wanted["id"]]
    assert [r["id"] for r in by_phone.json()["items"]] == [wanted["id"]]
    assert nobody.json()["items"] == []


async def test_search_by_tag_age_band_building_and_name_with_elderly_derived_on_the_birthday(
    client: httpx.AsyncClient, issuer: TestIssuer, create_resident: ResidentFactory
) -> None:
    today = today_in_shanghai()
    sixty_today = latest_birth_for_age(60, today)
    sixty_tomorrow = date.fromordinal(sixty_today.toordinal() + 1)
    elder = await create_resident(
        name="王老", id_number=id_number_born(sixty_today), tags=["living_alone"]
    )
    almost = await create_resident(
        name="王差一天",
        id_number=id_number_born(sixty_tomorrow, "125"),
        address={"building": "5幢", "unit": "1单元", "room": "101"},
        tags=[],
    )
    child = await create_resident(
        name="小明",
        id_number=id_number_born(date(today.year - 5, 1, 1), "126"),
        relation_to_head="child",
        phone=None,
        tags=["party_member"],
    )

    async def names(**params: Any) -> list[str]:
        response = await client.get("/residents", params=params, headers=worker(issuer))
        assert response.status_code == 200, response.text
        return sorted(r["name"] for r in response.json()["items"])

    assert "elderly" in elder["tags"] and elder["age_band"] == "60-79"
    assert "elderly" not in almost["tags"] and almost["age_band"] == "35-59"
    assert "child" in child["tags"] and child["phone"] is None
    assert await names(tag="elderly") == ["王老"]
    assert await names(tag="child") == ["小明"]
    assert await names(tag="living_alone") == ["王老"]
    assert await names(age_band="35-59") == ["王差一天"]
    assert await names(name="王") == ["王差一天", "王老"]
    building_id = (
        await client.get(f"/households/{almost['household_id']}", headers=worker(issuer))
    ).json()["building_id"]
    assert await names(building_id=building_id) == ["王差一天"]
    bad_tag = await client.get("/residents", params={"tag": "rich"}, headers=worker(issuer))
    assert bad_tag.status_code == 422


async def test_lists_page_with_a_cursor_in_community_order(
    client: httpx.AsyncClient, issuer: TestIssuer, create_resident: ResidentFactory
) -> None:
    for n in range(5):
        await create_resident(
            name=f"居民{n}",
            id_number=id_number_born(date(1980, 1, 1 + n), "12" + str(n)),
            relation_to_head="head" if n == 0 else "other",
        )

    first = await client.get("/residents", params={"limit": 2}, headers=worker(issuer))
    seen = [r["id"] for r in first.json()["items"]]
    cursor = first.json()["next_cursor"]
    while cursor:
        page = await client.get(
            "/residents", params={"limit": 2, "cursor": cursor}, headers=worker(issuer)
        )
        seen += [r["id"] for r in page.json()["items"]]
        cursor = page.json()["next_cursor"]

    assert len(seen) == len(set(seen)) == 5
    bad = await client.get("/residents", params={"cursor": "garbage"}, headers=worker(issuer))
    assert bad.status_code == 422


async def test_the_scope_rule_for_street_admin_community_worker_grid_worker_and_resident(
    client: httpx.AsyncClient, issuer: TestIssuer, create_resident: ResidentFactory
) -> None:
    grid = await client.post(
        "/grids",
        json={"community_code": COMMUNITY, "number": 1, "name": "第一网格"},
        headers=worker(issuer),
    )
    resident = await create_resident(tags=["party_member"])
    await client.patch(
        f"/households/{resident['household_id']}",
        json={"grid_id": grid.json()["id"]},
        headers=worker(issuer),
    )
    path = f"/residents/{resident['id']}"
    who = {
        "street admin": issuer.headers(roles=[Role.STREET_ADMIN], scope="330108001"),
        "other street admin": issuer.headers(roles=[Role.STREET_ADMIN], scope="330108002"),
        "community worker": worker(issuer),
        "other community worker": worker(issuer, "330108001002"),
        "grid worker": issuer.headers(
            roles=[Role.GRID_WORKER], scope=COMMUNITY, grid_ids=["330108001001-01"]
        ),
        "other grid's worker": issuer.headers(
            roles=[Role.GRID_WORKER], scope=COMMUNITY, grid_ids=["330108001001-02"]
        ),
        "the resident": issuer.headers(roles=[Role.RESIDENT], resident_id=resident["id"]),
        "another resident": issuer.headers(roles=[Role.RESIDENT]),
        "enterprise": issuer.headers(roles=[Role.ENTERPRISE], scope=COMMUNITY),
    }

    reads = {w: (await client.get(path, headers=h)).status_code for w, h in who.items()}
    edits = {
        w: (await client.patch(path, json={"name": "张三丰"}, headers=h)).status_code
        for w, h in who.items()
    }
    lists = {
        w: (await client.get("/residents", headers=h)).status_code
        for w, h in who.items()
        if "resident" not in w
    }
    outside = await client.get(
        "/residents", params={"division": "330108002"}, headers=who["street admin"]
    )
    create_elsewhere = await client.post(
        "/residents",
        json=resident_body(
            community_code="330108002001", id_number=id_number_born(date(1970, 1, 1))
        ),
        headers=worker(issuer),
    )

    assert reads == {
        "street admin": 200,
        "other street admin": 404,
        "community worker": 200,
        "other community worker": 404,
        "grid worker": 200,
        "other grid's worker": 404,
        "the resident": 200,
        "another resident": 404,
        "enterprise": 403,
    }
    assert edits == {
        "street admin": 403,
        "other street admin": 403,
        "community worker": 200,
        "other community worker": 404,
        "grid worker": 403,
        "other grid's worker": 403,
        "the resident": 403,
        "another resident": 403,
        "enterprise": 403,
    }
    assert lists == {
        "street admin": 200,
        "other street admin": 200,
        "community worker": 200,
        "other community worker": 200,
        "grid worker": 200,
        "other grid's worker": 200,
        "enterprise": 403,
    }
    assert outside.status_code == create_elsewhere.status_code == 403


async def test_a_resident_reads_their_own_record_at_me(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    registration_payload: Callable[..., dict[str, Any]],
) -> None:
    me = issuer.headers(roles=[Role.RESIDENT], subject="alice")
    registration = await client.post("/registrations", json=registration_payload(), headers=me)
    before = await client.get("/residents/me", headers=me)
    approved = await client.post(
        f"/registrations/{registration.json()['id']}/approve", headers=worker(issuer)
    )

    mine = await client.get("/residents/me", headers=me)
    as_staff = await client.get("/residents/me", headers=worker(issuer))

    assert before.status_code == 404
    assert mine.status_code == 200
    assert mine.json()["id"] == approved.json()["resident_id"]
    assert mine.json()["id_number"].startswith("330***")
    assert as_staff.status_code == 403


async def test_changing_an_id_number_to_another_residents_is_409_and_changes_nothing(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    create_resident: ResidentFactory,
    outbox: OutboxReader,
) -> None:
    first = await create_resident()
    other_id_number = id_number_born(date(1985, 5, 5), "456")
    await create_resident(id_number=other_id_number, relation_to_head="spouse", name="李四")
    before = len(await outbox.messages())

    taken = await client.patch(
        f"/residents/{first['id']}",
        json={"id_number": other_id_number, "name": "张三丰"},
        headers=worker(issuer),
    )

    assert taken.status_code == 409, taken.text
    assert taken.json()["type"].endswith("/resident-already-registered")
    unchanged = await client.get(f"/residents/{first['id']}", headers=worker(issuer))
    assert (unchanged.json()["name"], unchanged.json()["id_number"]) == (
        first["name"],
        first["id_number"],
    )
    assert len(await outbox.messages()) == before


async def test_update_changes_only_what_is_sent_and_publishes_updated_and_tagged(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    create_resident: ResidentFactory,
    outbox: OutboxReader,
) -> None:
    resident = await create_resident(tags=["party_member"])
    path = f"/residents/{resident['id']}"

    updated = await client.patch(
        path,
        json={"phone": "13900002222", "tags": ["volunteer", "party_member"]},
        headers=worker(issuer),
    )
    unchanged = await client.patch(path, json={"name": "张三"}, headers=worker(issuer))
    null_name = await client.patch(path, json={"name": None}, headers=worker(issuer))

    assert updated.status_code == 200
    assert updated.json()["name"] == "张三"
    assert updated.json()["phone"] == "139****2222"
    assert updated.json()["tags"] == ["party_member", "volunteer"]
    assert unchanged.status_code == 200
    assert null_name.status_code == 422
    events = {e.type.split(".")[4]: e for e in (await outbox.messages())[5:]}
    assert sorted(events) == ["tagged", "updated"]
    assert events["updated"].payload["data"]["changed"] == ["phone"]
    assert events["tagged"].payload["data"]["added"] == ["volunteer"]
    found = await client.get("/residents", params={"phone": "13900002222"}, headers=worker(issuer))
    assert [r["id"] for r in found.json()["items"]] == [resident["id"]]


async def test_delete_is_soft_with_a_reason_and_frees_the_id_number(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    create_resident: ResidentFactory,
    outbox: OutboxReader,
) -> None:
    resident = await create_resident(tags=["party_member"])
    path = f"/residents/{resident['id']}"

    busy_household = await client.request(
        "DELETE",
        f"/households/{resident['household_id']}",
        json={"reason": "entered_in_error"},
        headers=worker(issuer),
    )
    deleted = await client.request(
        "DELETE", path, json={"reason": "deceased", "note": "2025年去世"}, headers=worker(issuer)
    )
    after = await client.get(path, headers=worker(issuer))
    listed = await client.get("/residents", headers=worker(issuer))
    again = await client.post("/residents", json=resident_body(), headers=worker(issuer))

    assert busy_household.status_code == 409
    assert deleted.status_code == 204
    assert after.status_code == 404
    assert [r["id"] for r in listed.json()["items"]] == []
    assert again.status_code == 201
    async with sessionmaker() as session:
        stored = await session.get(Resident, resident["id"])
    assert stored is not None and stored.deletion_reason == "deceased"
    assert stored.deleted_by == f"worker-{COMMUNITY}"
    deleted_event = [e for e in await outbox.messages() if e.type.endswith("deleted.v1")]
    assert deleted_event[0].payload["data"]["reason"] == "deceased"


async def test_households_are_listed_and_read_with_members_and_one_per_dwelling(
    client: httpx.AsyncClient, issuer: TestIssuer, create_resident: ResidentFactory
) -> None:
    resident = await create_resident(tags=["party_member"])

    listed = await client.get("/households", headers=worker(issuer))
    read = await client.get(f"/households/{resident['household_id']}", headers=worker(issuer))
    occupied = await client.post(
        "/households",
        json={"community_code": COMMUNITY, "address": ADDRESS},
        headers=worker(issuer),
    )
    both = await client.post(
        "/households",
        json={
            "community_code": COMMUNITY,
            "address": ADDRESS,
            "dwelling_id": read.json()["dwelling_id"],
        },
        headers=worker(issuer),
    )
    as_resident = await client.get(
        f"/households/{resident['household_id']}",
        headers=issuer.headers(roles=[Role.RESIDENT], resident_id=resident["id"]),
    )

    assert [h["id"] for h in listed.json()["items"]] == [resident["household_id"]]
    assert read.json()["address"] == "3幢-2单元-501"
    assert [m["id"] for m in read.json()["members"]] == [resident["id"]]
    assert occupied.status_code == 409
    assert both.status_code == 422
    assert as_resident.status_code == 200


async def test_a_retried_create_replays_and_no_event_carries_a_clear_id_number_or_phone(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    create_resident: ResidentFactory,
    outbox: OutboxReader,
) -> None:
    other = await create_resident(
        id_number=id_number_born(date(1991, 4, 1), "127"),
        relation_to_head="other",
        tags=["party_member"],
    )
    await client.patch(
        f"/residents/{other['id']}",
        json={"phone": "13900003333", "id_number": id_number_born(date(1990, 3, 8))},
        headers=worker(issuer),
    )
    # Keyed requests last: linli.testing's in-process server shares `request.state` between
    # requests (asgi-lifespan hands every request the same state dict, uvicorn copies it), so a
    # request after a keyed POST would find that POST's idempotency claim.
    headers = worker(issuer) | {"Idempotency-Key": "resident-1"}
    first = await client.post("/residents", json=resident_body(), headers=headers)
    again = await client.post("/residents", json=resident_body(), headers=headers)

    payloads = [json.dumps(e.payload, ensure_ascii=False) for e in await outbox.messages()]

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    # building, unit, dwelling, household and resident ×2 created, resident updated
    assert len(payloads) == 7
    for clear in (
        resident_body()["id_number"],
        "13812345678",
        "13900003333",
        id_number_born(date(1990, 3, 8)),
        id_number_born(date(1991, 4, 1), "127"),
    ):
        assert not any(clear in p for p in payloads)


async def test_a_second_head_is_409_when_entered_made_or_moved_in(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    create_resident: ResidentFactory,
) -> None:
    head = await create_resident()
    spouse = await create_resident(
        name="李梅",
        id_number=id_number_born(date(1992, 5, 12), "002"),
        relation_to_head="spouse",
    )
    second = id_number_born(date(1985, 1, 1), "013")

    entered = await client.post(
        "/residents",
        json=resident_body(name="王五", id_number=second, relation_to_head="head"),
        headers=worker(issuer),
    )
    made = await client.patch(
        f"/residents/{spouse['id']}", json={"relation_to_head": "head"}, headers=worker(issuer)
    )
    moved_in = await client.post(
        "/moves/in",
        json={
            "household_id": head["household_id"],
            "name": "王五",
            "id_number": second,
            "relation_to_head": "head",
            "reason": "迁入",
        },
        headers=worker(issuer),
    )

    for response in (entered, made, moved_in):
        assert response.status_code == 409, response.text
        assert response.json()["type"].endswith("/household-has-head")
    async with sessionmaker() as session:
        heads = await session.scalars(
            select(Resident.id).where(Resident.relation_to_head == "head")
        )
        assert [str(i) for i in heads] == [head["id"]]
    # Once the first head is not one, the household may have another.
    await client.patch(
        f"/residents/{head['id']}", json={"relation_to_head": "spouse"}, headers=worker(issuer)
    )
    now_head = await client.patch(
        f"/residents/{spouse['id']}", json={"relation_to_head": "head"}, headers=worker(issuer)
    )
    assert now_head.status_code == 200, now_head.text


@pytest.mark.parametrize("way", ["made head", "entered as head"])
async def test_five_heads_at_once_leave_one_head(
    way: str,
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    create_resident: ResidentFactory,
) -> None:
    first = await create_resident()
    others = [
        await create_resident(
            name=f"李{n}",
            id_number=id_number_born(date(1990 + n, 5, 12), f"00{n}"),
            relation_to_head="child",
        )
        for n in range(1, 5)
    ]
    # The household loses its head, then five people become its head at the same moment.
    no_head = await client.patch(
        f"/residents/{first['id']}", json={"relation_to_head": "spouse"}, headers=worker(issuer)
    )
    assert no_head.status_code == 200, no_head.text
    if way == "made head":
        requests = [
            client.patch(
                f"/residents/{member['id']}",
                json={"relation_to_head": "head"},
                headers=worker(issuer),
            )
            for member in [first, *others]
        ]
    else:
        requests = [
            client.post(
                "/residents",
                json=resident_body(
                    name=f"王{n}",
                    id_number=id_number_born(date(1980 + n, 1, 1), f"01{n}"),
                    relation_to_head="head",
                ),
                headers=worker(issuer),
            )
            for n in range(5)
        ]

    answers = await asyncio.gather(*requests)

    assert sorted(a.status_code for a in answers)[1:] == [409] * 4, [a.text for a in answers]
    assert sorted(a.status_code for a in answers)[0] in (200, 201)
    async with sessionmaker() as session:
        heads = (
            await session.scalars(
                select(Resident.id).where(
                    Resident.relation_to_head == "head",
                    Resident.household_id == first["household_id"],
                )
            )
        ).all()
    assert len(heads) == 1
