"""Moves over HTTP: in, out and back with the same record, transfers seen and published on both
streets, whole households, who may record and read which move, and events without PII."""

from __future__ import annotations

import itertools
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.events import ensure_no_clear_pii
from linli.common.outbox import OutboxMessage
from linli.residents.identity import check_character
from linli.residents.models import ResidentMove
from linli.testing import OutboxReader
from linli.testing.tokens import TestIssuer

ResidentFactory = Callable[..., Awaitable[dict[str, Any]]]

pytestmark = pytest.mark.usefixtures("tree")

DONGXIN = "330108001001"  # street 330108001
JIANGHAN = "330108001002"  # street 330108001
CHANGHE = "330108002001"  # street 330108002
_orders = itertools.count(300)
MOVER_BORN = date(1985, 6, 1)


def worker(issuer: TestIssuer, scope: str) -> dict[str, str]:
    return issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=scope, subject=f"worker-{scope}")


def admin(issuer: TestIssuer, role: Role, scope: str) -> dict[str, str]:
    return issuer.headers(roles=[role], scope=scope, subject=f"{role.value}-{scope}")


def new_id_number(born: date = date(1985, 6, 1)) -> str:
    body = f"330108{born:%Y%m%d}{next(_orders):03d}"
    return body + check_character(body)


def address(room: str, building: str = "1幢") -> dict[str, str]:
    return {"building": building, "unit": "1单元", "room": room}


def move_in_body(community: str, room: str, id_number: str, **overrides: Any) -> dict[str, Any]:
    return {
        "community_code": community,
        "address": address(room),
        "name": "赵六",
        "id_number": id_number,
        "phone": "13912345678",
        "relation_to_head": "head",
        "reason": "购房迁入",
        **overrides,
    }


async def post(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]
) -> list[dict[str, Any]]:
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def moved_events(sessionmaker: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    """resident.moved and household.moved, oldest first."""
    moved = await OutboxReader(sessionmaker).messages()
    return [row for row in moved if row.type.endswith(".moved.v1")]


async def test_a_person_moves_in_out_and_back_in_as_the_same_record(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    id_number = new_id_number()
    [arrived] = await post(
        client, "/moves/in", move_in_body(DONGXIN, "101", id_number), worker(issuer, DONGXIN)
    )
    resident_id = arrived["resident_id"]
    assert (arrived["kind"], arrived["from_community_code"], arrived["to_community_code"]) == (
        "in",
        None,
        DONGXIN,
    )
    assert (await client.get(f"/residents/{resident_id}", headers=worker(issuer, DONGXIN))).json()[
        "household_id"
    ] == arrived["to_household_id"]

    [left] = await post(
        client,
        "/moves/out",
        {"resident_id": resident_id, "reason": "迁往外省"},
        worker(issuer, DONGXIN),
    )
    assert (left["kind"], left["from_community_code"], left["to_community_code"]) == (
        "out",
        DONGXIN,
        None,
    )
    gone = await client.get(f"/residents/{resident_id}", headers=worker(issuer, DONGXIN))
    assert gone.status_code == 404  # kept, inactive: out of every read and list
    closed = await client.get(
        f"/households/{arrived['to_household_id']}", headers=worker(issuer, DONGXIN)
    )
    assert closed.status_code == 404  # its last member moved away: closed, dwelling free

    [back] = await post(
        client, "/moves/in", move_in_body(CHANGHE, "202", id_number), worker(issuer, CHANGHE)
    )
    assert (back["kind"], back["resident_id"]) == ("in", resident_id)
    record = await client.get(f"/residents/{resident_id}", headers=worker(issuer, CHANGHE))
    assert record.status_code == 200
    assert record.json()["community_code"] == CHANGHE

    history = await client.get(
        "/moves",
        params={"resident_id": resident_id},
        headers=admin(issuer, Role.CITY_ADMIN, "3301"),
    )
    assert [m["kind"] for m in history.json()["items"]] == ["in", "out", "in"]


async def test_a_transfer_across_streets_is_listed_and_published_for_both_streets(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    create_resident: ResidentFactory,
) -> None:
    id_number = new_id_number()
    # The receiving community names the person by ID number; the record is found in another street.
    body = move_in_body(CHANGHE, "401", id_number)
    await create_resident(
        community=DONGXIN, room="302", id_number=id_number, building="1幢", unit="1单元"
    )
    [moved] = await post(client, "/moves/in", body, worker(issuer, CHANGHE))

    assert moved["kind"] == "transfer"
    assert (moved["from_community_code"], moved["to_community_code"]) == (DONGXIN, CHANGHE)
    for street in ("330108001", "330108002"):
        headers = admin(issuer, Role.STREET_ADMIN, street)
        listed = await client.get("/moves", headers=headers)
        assert [m["id"] for m in listed.json()["items"]] == [moved["id"]], street
        one = await client.get(f"/moves/{moved['id']}", headers=headers)
        assert one.status_code == 200, street
    # A community touched by neither end does not see it.
    assert (await client.get("/moves", headers=worker(issuer, JIANGHAN))).json()["items"] == []
    hidden = await client.get(f"/moves/{moved['id']}", headers=worker(issuer, JIANGHAN))
    assert hidden.status_code == 404
    # The record kept its id and now belongs to the receiving community only.
    mine = await client.get(f"/residents/{moved['resident_id']}", headers=worker(issuer, CHANGHE))
    theirs = await client.get(f"/residents/{moved['resident_id']}", headers=worker(issuer, DONGXIN))
    assert (mine.status_code, theirs.status_code) == (200, 404)
    assert mine.json()["community_code"] == CHANGHE

    events = await moved_events(sessionmaker)
    assert sorted(e.subject for e in events) == [
        "linli.3301.330108.330108001.330108001001.residents.resident.moved",
        "linli.3301.330108.330108002.330108002001.residents.resident.moved",
    ]
    data = {e.payload["data"]["side"]: e.payload["data"] for e in events}
    assert data["origin"]["move_id"] == data["destination"]["move_id"] == moved["id"]
    assert data["origin"]["community_code"] == DONGXIN
    assert data["destination"]["community_code"] == CHANGHE
    for event in events:
        text = json.dumps(event.payload, ensure_ascii=False)
        ensure_no_clear_pii(text)
        assert id_number not in text and id_number[-4:] not in text
        assert "13912345678" not in text and "赵六" not in text


async def test_a_whole_household_moves_to_an_empty_dwelling_keeping_its_id(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    create_resident: ResidentFactory,
) -> None:
    head = await create_resident(
        community=DONGXIN, room="501", building="1幢", unit="1单元", born=MOVER_BORN
    )
    await create_resident(
        community=DONGXIN,
        room="501",
        relation_to_head="spouse",
        id_number=new_id_number(),
        building="1幢",
        unit="1单元",
    )
    # An occupied dwelling.
    await create_resident(
        community=JIANGHAN, room="601", building="1幢", unit="1单元", born=MOVER_BORN
    )
    street = admin(issuer, Role.STREET_ADMIN, "330108001")
    household_id = head["household_id"]

    occupied = await client.post(
        "/moves/transfer",
        json={
            "household_id": household_id,
            "to_community_code": JIANGHAN,
            "to_address": address("601"),
            "reason": "换房",
        },
        headers=street,
    )
    moves = await post(
        client,
        "/moves/transfer",
        {
            "household_id": household_id,
            "to_community_code": JIANGHAN,
            "to_address": address("602"),
            "reason": "换房",
            "moved_at": (datetime.now(UTC) - timedelta(days=3)).isoformat(),
        },
        street,
    )

    assert occupied.status_code == 409
    assert len(moves) == 2
    assert all(m["whole_household"] and m["kind"] == "transfer" for m in moves)
    assert (
        {m["from_household_id"] for m in moves}
        == {m["to_household_id"] for m in moves}
        == {household_id}
    )
    household = await client.get(f"/households/{household_id}", headers=worker(issuer, JIANGHAN))
    assert household.status_code == 200
    assert household.json()["address"] == "1幢-1单元-602"
    assert {m["community_code"] for m in household.json()["members"]} == {JIANGHAN}
    household_events = [
        e for e in await moved_events(sessionmaker) if e.type.endswith("household.moved.v1")
    ]
    assert sorted(e.payload["data"]["side"] for e in household_events) == [
        "destination",
        "origin",
    ]


async def test_who_may_record_and_read_which_move(
    client: httpx.AsyncClient, issuer: TestIssuer, create_resident: ResidentFactory
) -> None:
    dongxin = await create_resident(
        community=DONGXIN, room="701", building="1幢", unit="1单元", born=MOVER_BORN
    )
    changhe = await create_resident(
        community=CHANGHE, room="801", building="1幢", unit="1单元", born=MOVER_BORN
    )
    out = {"reason": "迁往外省"}

    async def status(path: str, body: dict[str, Any], headers: dict[str, str]) -> int:
        return (await client.post(path, json=body, headers=headers)).status_code

    resident = issuer.headers(roles=[Role.RESIDENT], subject="resident-1")
    district = admin(issuer, Role.DISTRICT_ADMIN, "330108")
    grid = issuer.headers(roles=[Role.GRID_WORKER], scope=DONGXIN)
    # Roles that may never record a move.
    body = move_in_body(DONGXIN, "702", new_id_number())
    assert await status("/moves/in", body, resident) == 403
    assert await status("/moves/in", body, district) == 403
    assert await status("/moves/out", {"resident_id": dongxin["id"], **out}, grid) == 403
    # A destination outside the scope: 403 by address, 404 by id.
    assert (
        await status(
            "/moves/in", move_in_body(CHANGHE, "702", new_id_number()), worker(issuer, DONGXIN)
        )
        == 403
    )
    by_household = {k: v for k, v in body.items() if k not in ("community_code", "address")}
    assert (
        await status(
            "/moves/in",
            {**by_household, "household_id": changhe["household_id"]},
            worker(issuer, DONGXIN),
        )
        == 404
    )
    # A record of another community, named by id: 404.
    assert (
        await status("/moves/out", {"resident_id": changhe["id"], **out}, worker(issuer, DONGXIN))
        == 404
    )
    transfer = {
        "resident_id": dongxin["id"],
        "to_community_code": CHANGHE,
        "to_address": address("802"),
        "reason": "换房",
    }
    # Both ends must lie in the scope of a transfer by id.
    assert await status("/moves/transfer", transfer, worker(issuer, DONGXIN)) == 403
    assert (
        await status("/moves/transfer", transfer, admin(issuer, Role.STREET_ADMIN, "330108001"))
        == 403
    )
    assert (
        await status(
            "/moves/transfer",
            {**transfer, "to_community_code": JIANGHAN},
            admin(issuer, Role.STREET_ADMIN, "330108001"),
        )
        == 201
    )
    # A move in the future, and a deletion pretending to be a move out: 422.
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert (
        await status(
            "/moves/out",
            {"resident_id": changhe["id"], "moved_at": future, **out},
            worker(issuer, CHANGHE),
        )
        == 422
    )
    deleted = await client.request(
        "DELETE",
        f"/residents/{changhe['id']}",
        json={"reason": "moved_out"},
        headers=worker(issuer, CHANGHE),
    )
    assert deleted.status_code == 422

    async def listing(params: dict[str, str], headers: dict[str, str]) -> int:
        return (await client.get("/moves", params=params, headers=headers)).status_code

    assert await listing({}, resident) == 403
    assert await listing({}, grid) == 403
    assert await listing({}, district) == 200
    assert await listing({"division": "330108002"}, worker(issuer, DONGXIN)) == 403
    assert (
        await listing({"division": "330108"}, admin(issuer, Role.STREET_ADMIN, "330108001")) == 403
    )


async def test_a_retried_move_in_with_its_idempotency_key_moves_once(
    client: httpx.AsyncClient, issuer: TestIssuer, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    headers = {**worker(issuer, DONGXIN), "Idempotency-Key": "move-in-1"}
    body = move_in_body(DONGXIN, "901", new_id_number())

    first = await client.post("/moves/in", json=body, headers=headers)
    again = await client.post("/moves/in", json=body, headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    async with sessionmaker() as session:
        assert len((await session.scalars(select(ResidentMove))).all()) == 1
