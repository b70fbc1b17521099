"""Export of a division's residents: masked by default, revealed for a community worker with a
purpose and audited with the count, the scope rule, and streaming without materialising."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.events import ensure_no_clear_pii
from linli.common.pii import PiiAccessLog
from linli.residents.exports.service import COLUMNS, csv_chunks
from linli.residents.identity import check_character
from linli.testing.tokens import TestIssuer

pytestmark = pytest.mark.usefixtures("tree")

COMMUNITY = "330108001001"
OTHER_COMMUNITY = "330108001002"
STREET = "330108001"


def worker(issuer: TestIssuer, scope: str = COMMUNITY) -> dict[str, str]:
    return issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=scope, subject=f"worker-{scope}")


def person_id(i: int) -> str:
    born = date(1950, 1, 1) + timedelta(days=i)
    body = f"330108{born:%Y%m%d}123"
    return body + check_character(body)


async def enter(client: httpx.AsyncClient, issuer: TestIssuer, i: int, community: str) -> None:
    response = await client.post(
        "/residents",
        json={
            "community_code": community,
            "address": {"building": "1幢", "unit": "1单元", "room": f"{i + 1}01"},
            "name": f"居民{i}",
            "id_number": person_id(i),
            "phone": f"1390000{i:04d}",
            "relation_to_head": "head",
            "tags": ["volunteer"] if i % 2 else [],
        },
        headers=worker(issuer, community),
    )
    assert response.status_code == 201, response.text


@pytest.fixture
async def residents(client: httpx.AsyncClient, issuer: TestIssuer, tree: None) -> None:
    """Three residents in COMMUNITY, two in OTHER_COMMUNITY (both of STREET)."""
    for i in range(3):
        await enter(client, issuer, i, COMMUNITY)
    for i in range(3, 5):
        await enter(client, issuer, i, OTHER_COMMUNITY)


def parse(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))


@pytest.mark.usefixtures("residents")
async def test_a_street_admin_exports_the_street_masked(
    client: httpx.AsyncClient, issuer: TestIssuer, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    admin = issuer.headers(roles=[Role.STREET_ADMIN], scope=STREET, subject="admin")

    rows = parse(await client.get("/exports/residents.csv", headers=admin))
    one = parse(
        await client.get(
            "/exports/residents.csv", params={"division": OTHER_COMMUNITY}, headers=admin
        )
    )

    assert len(rows) == 5 and len(one) == 2
    assert list(rows[0]) == list(COLUMNS)
    assert [row["community_code"] for row in rows] == [COMMUNITY] * 3 + [OTHER_COMMUNITY] * 2
    first = next(row for row in rows if row["name"] == "居民0")
    assert first["id_number"] == "330***********" + person_id(0)[-4:]
    assert first["phone"] == "139****0000"
    assert (first["building"], first["unit"], first["room"]) == ("1幢", "1单元", "101")
    assert first["birth_date"] == "1950-01-01" and first["relation_to_head"] == "head"
    for row in rows:
        ensure_no_clear_pii(",".join(row.values()))
    async with sessionmaker() as session:
        assert (await session.scalars(select(PiiAccessLog))).all() == []


@pytest.mark.usefixtures("residents")
async def test_a_community_worker_reveals_with_a_purpose_and_one_audit_row_names_the_count(
    client: httpx.AsyncClient, issuer: TestIssuer, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    no_purpose = await client.get(
        "/exports/residents.csv", params={"reveal": "true"}, headers=worker(issuer)
    )
    rows = parse(
        await client.get(
            "/exports/residents.csv",
            params={"reveal": "true", "purpose": "换届选民登记核对"},
            headers=worker(issuer),
        )
    )

    assert no_purpose.status_code == 422
    assert sorted(row["id_number"] for row in rows) == sorted(person_id(i) for i in range(3))
    assert {row["phone"] for row in rows} == {"13900000000", "13900000001", "13900000002"}
    async with sessionmaker() as session:
        audits = (await session.scalars(select(PiiAccessLog))).all()
    assert len(audits) == 1
    assert (audits[0].entity, audits[0].entity_id) == ("residents_export", f"{COMMUNITY}:3")
    assert (audits[0].actor, audits[0].purpose) == (f"worker-{COMMUNITY}", "换届选民登记核对")
    assert audits[0].fields == "id_number,phone"


@pytest.mark.usefixtures("residents")
async def test_the_scope_rule_and_who_may_reveal(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    admin = issuer.headers(roles=[Role.STREET_ADMIN], scope=STREET, subject="admin")
    resident = issuer.headers(roles=[Role.RESIDENT], subject="r1")

    other = await client.get(
        "/exports/residents.csv", params={"division": OTHER_COMMUNITY}, headers=worker(issuer)
    )
    street = await client.get(
        "/exports/residents.csv", params={"division": STREET}, headers=worker(issuer)
    )
    admin_reveal = await client.get(
        "/exports/residents.csv", params={"reveal": "true", "purpose": "x"}, headers=admin
    )
    by_resident = await client.get("/exports/residents.csv", headers=resident)

    assert other.status_code == street.status_code == 403
    assert admin_reveal.status_code == by_resident.status_code == 403
    # A grid worker without grids exports nothing of the community, not everything.
    grid = issuer.headers(roles=[Role.GRID_WORKER], scope=COMMUNITY, subject="g1")
    assert parse(await client.get("/exports/residents.csv", headers=grid)) == []


async def test_csv_is_produced_while_the_rows_still_arrive() -> None:
    """Streaming: the first chunks are out before the source has produced its last row."""
    produced = 0

    async def rows() -> AsyncIterator[list[str]]:
        nonlocal produced
        for i in range(10_000):
            produced += 1
            yield [str(i)] * len(COLUMNS)

    chunks = csv_chunks(rows(), rows_per_chunk=100)
    header = await anext(chunks)
    first = await anext(chunks)

    assert header.startswith("\ufeffcommunity_code,")
    assert first.count("\n") == 100
    assert produced <= 101  # one chunk's rows, not the whole export
    rest = [chunk async for chunk in chunks]
    assert produced == 10_000 and len(rest) == 99
