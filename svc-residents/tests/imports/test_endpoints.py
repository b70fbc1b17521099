"""Bulk import over HTTP: a file with 1% bad rows stores nothing and reports every bad row; the
same file fixed stores every row (places, one household per dwelling, counters, events without
PII); duplicates in the file and in the registry; XLSX; progress; the scope rule; idempotency;
a job whose process died."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import uuid
import zipfile
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Principal, Role
from linli.common.events import ensure_no_clear_pii
from linli.common.outbox import OutboxMessage
from linli.residents.app import create_app
from linli.residents.config import Settings
from linli.residents.identity import check_character
from linli.residents.models import Building, Dwelling, Household, Resident, Unit
from linli.residents.models.imports import ImportFormat, ImportJob, ImportStatus
from linli.residents.stats.repository import CounterRepository
from linli.residents.stats.service import division_stats
from linli.testing import serve_app
from linli.testing.tokens import TestIssuer

pytestmark = pytest.mark.usefixtures("tree")

COMMUNITY = "330108001001"
OTHER_COMMUNITY = "330108001002"
STREET = "330108001"
HEADER = [
    "community_code",
    "court",
    "building",
    "unit",
    "room",
    "name",
    "id_number",
    "phone",
    "relation_to_head",
    "tags",
]
TERMINAL = {"completed", "rejected", "failed"}


def worker(issuer: TestIssuer, scope: str = COMMUNITY) -> dict[str, str]:
    return issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=scope, subject=f"worker-{scope}")


def street_admin(issuer: TestIssuer, scope: str = STREET) -> dict[str, str]:
    return issuer.headers(roles=[Role.STREET_ADMIN], scope=scope, subject=f"admin-{scope}")


def person_id(i: int) -> str:
    """A valid ID number, distinct for every i: birth date and order code both vary."""
    born = date(1940, 1, 1) + timedelta(days=i % 20000)
    body = f"330108{born:%Y%m%d}{(i // 20000) % 1000:03d}"
    return body + check_character(body)


def make_rows(n: int, *, community: str = COMMUNITY, start: int = 0) -> list[list[str]]:
    """n residents, two to a dwelling, ten dwellings to a unit, four units to a building."""
    rows = []
    for i in range(start, start + n):
        dwelling = i // 2
        rows.append(
            [
                community,
                "东信花苑" if dwelling // 40 % 2 == 0 else "",
                f"{dwelling // 40 + 1}幢",
                f"{dwelling // 10 % 4 + 1}单元",
                f"{dwelling % 10 + 1}01",
                f"居民{i}",
                person_id(i),
                f"138{i:08d}" if i % 3 else "",
                "head" if i % 2 == 0 else "spouse",
                "party_member;volunteer" if i % 5 == 0 else ("living_alone" if i % 7 == 0 else ""),
            ]
        )
    return rows


def to_csv(
    rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER, *, bom: bool = True
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    content: bytes,
    *,
    params: dict[str, str] | None = None,
    content_type: str = "text/csv",
) -> httpx.Response:
    return await client.post(
        "/imports/residents",
        content=content,
        params=params,
        headers={**headers, "Content-Type": content_type},
    )


async def finished(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    job_id: str,
    *,
    seen: list[int] | None = None,
) -> dict[str, Any]:
    """Poll the job until it ends; `seen` collects the rows_validated figures observed."""
    for _ in range(600):
        response = await client.get(f"/imports/{job_id}", headers=headers)
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        if seen is not None:
            seen.append(job["rows_validated"])
        if job["status"] in TERMINAL:
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"import {job_id} did not finish")


async def imported(
    client: httpx.AsyncClient, headers: dict[str, str], content: bytes, **kwargs: Any
) -> dict[str, Any]:
    response = await upload(client, headers, content, **kwargs)
    assert response.status_code == 202, response.text
    return await finished(client, headers, response.json()["id"])


async def report(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str
) -> list[dict[str, str]]:
    response = await client.get(f"/imports/{job_id}/report.csv", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def spoil(rows: list[list[str]]) -> dict[int, tuple[str, str]]:
    """Spoil 1% of the rows, a different fault each; {file row number: (column, code)}."""
    column = {name: i for i, name in enumerate(HEADER)}
    faults: list[tuple[str, str, str]] = [
        ("id_number", "id_number_invalid", "WRONG_CHECK"),
        ("id_number", "id_number_invalid", "330108199002301234"),  # 30 February
        ("phone", "phone_invalid", "12345"),
        ("relation_to_head", "relation_invalid", "cousin"),
        ("tags", "tag_unknown", "vip"),
        ("tags", "tag_derived", "elderly"),
        ("community_code", "community_unknown", "330108001999"),
        ("community_code", "out_of_scope", "330108002001"),
        ("name", "missing", ""),
        ("building", "digits_in_address", "13812345678幢"),
    ]
    spoiled: dict[int, tuple[str, str]] = {}
    step = len(rows) // (len(rows) // 100)
    for n, index in enumerate(range(7, len(rows), step)):
        name, code, value = faults[n % len(faults)]
        if value == "WRONG_CHECK":
            good = rows[index][column["id_number"]]
            value = good[:17] + ("0" if good[17] != "0" else "1")
        rows[index][column[name]] = value
        spoiled[index + 2] = (name, code)  # the header is row 1
    return spoiled


async def test_urls_carry_the_prefix_the_gateway_forwards(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    rows = make_rows(2)
    rows[0][HEADER.index("id_number")] = "not-an-id"
    prefixed = {**street_admin(issuer), "X-Forwarded-Prefix": "/api/residents"}

    response = await client.post(
        "/imports/residents",
        content=to_csv(rows),
        headers={**prefixed, "Content-Type": "text/csv"},
    )
    job = await finished(client, street_admin(issuer), response.json()["id"])
    seen = await client.get(f"/imports/{job['id']}", headers=prefixed)
    missing = await client.get("/imports/00000000-0000-0000-0000-000000000000", headers=prefixed)
    hostile = await client.get(
        f"/imports/{job['id']}",
        headers={**street_admin(issuer), "X-Forwarded-Prefix": "//evil.example/x"},
    )

    assert response.headers["location"] == f"/api/residents/imports/{job['id']}"
    assert job["report_url"] == f"/imports/{job['id']}/report.csv"  # asked directly: no prefix
    assert seen.json()["report_url"] == f"/api/residents/imports/{job['id']}/report.csv"
    assert missing.status_code == 404
    assert missing.json()["instance"] == (
        "/api/residents/imports/00000000-0000-0000-0000-000000000000"
    )
    assert hostile.json()["report_url"] == f"/imports/{job['id']}/report.csv"  # ignored


async def test_one_percent_bad_rows_store_nothing_and_the_fixed_file_stores_everything(
    client: httpx.AsyncClient, issuer: TestIssuer, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    good_rows = make_rows(2000)
    bad_rows = [list(row) for row in good_rows]
    spoiled = spoil(bad_rows)
    assert len(spoiled) == 20

    response = await upload(client, street_admin(issuer), to_csv(bad_rows))
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/imports/{response.json()['id']}"
    seen: list[int] = []
    job = await finished(client, street_admin(issuer), response.json()["id"], seen=seen)

    assert job["status"] == "rejected"
    assert (job["rows_total"], job["rows_validated"], job["bad_rows"]) == (2000, 2000, 20)
    assert job["rows_stored"] == 0 and job["report_url"] == f"/imports/{job['id']}/report.csv"
    assert seen == sorted(seen)  # progress only grows
    lines = await report(client, street_admin(issuer), job["id"])
    assert {int(line["row"]): (line["column"], line["code"]) for line in lines} == spoiled
    assert all(line["reason_zh"] and line["reason_en"] for line in lines)
    # The report never shows a clear ID number or phone, even a wrong one or one in the wrong column.
    for line in lines:
        ensure_no_clear_pii(line["value"])
    for model in (Resident, Household, Building, Unit, Dwelling, OutboxMessage):
        assert await count(sessionmaker, model) == 0

    job = await imported(client, street_admin(issuer), to_csv(good_rows))

    assert job["status"] == "completed", job
    assert (job["rows_total"], job["rows_validated"], job["rows_stored"]) == (2000, 2000, 2000)
    assert job["bad_rows"] == 0 and job["report_url"] is None
    # Two people to a dwelling, ten dwellings to a unit, four units to a building, 25 buildings.
    assert await count(sessionmaker, Resident) == 2000
    assert await count(sessionmaker, Household) == await count(sessionmaker, Dwelling) == 1000
    assert await count(sessionmaker, Unit) == 100
    assert await count(sessionmaker, Building) == 25
    assert (job["households_created"], job["places_created"]) == (1000, 1 + 25 + 100 + 1000)
    async with sessionmaker() as session:
        sizes = await session.execute(
            select(func.count()).select_from(Resident).group_by(Resident.household_id)
        )
        assert set(sizes.scalars()) == {2}
        first = (await session.scalars(select(Resident).where(Resident.name == "居民0"))).one()
        household = await session.get(Household, first.household_id)
        assert household is not None and household.address == "1幢-1单元-101"
        assert household.dwelling.unit.building.court_id is not None
        assert first.tags == ["party_member", "volunteer"]
        assert (first.sex.value, first.birth_date) == ("female", date(1940, 1, 1))
        assert first.phone_masked is None and first.id_number_masked.startswith("330")


async def test_the_import_keeps_the_statistics_equal_to_a_recount_and_publishes_without_pii(
    client: httpx.AsyncClient, issuer: TestIssuer, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    rows = make_rows(300) + make_rows(200, community=OTHER_COMMUNITY, start=300)

    job = await imported(client, street_admin(issuer), to_csv(rows))

    assert job["status"] == "completed", job
    admin = Principal(subject="admin", roles=frozenset({Role.STREET_ADMIN}), scope=STREET)
    async with sessionmaker() as session:
        counted = (await division_stats(session, principal=admin, division=STREET)).model_dump()
        await CounterRepository(session).recount([COMMUNITY, OTHER_COMMUNITY])
        recounted = (await division_stats(session, principal=admin, division=STREET)).model_dump()
        await session.rollback()
    assert counted == recounted
    assert counted["population"] == 500 and counted["households"] == 250
    assert counted["tags"]["party_member"] == 100

    async with sessionmaker() as session:
        messages = (await session.scalars(select(OutboxMessage))).all()
    types = Counter(".".join(m.type.split(".")[3:5]) for m in messages)
    assert types == {
        "resident.created": 500,
        "household.created": 250,
        "dwelling.created": 250,
        "unit.created": len({(r[0], r[2], r[3]) for r in rows}),
        "building.created": len({(r[0], r[2]) for r in rows}),
        "court.created": len({(r[0], r[1]) for r in rows if r[1]}),
        "import.completed": 1,
    }
    clear = {row[6] for row in rows} | {row[7] for row in rows if row[7]}
    for message in messages:
        text_payload = json.dumps(message.payload, ensure_ascii=False)
        ensure_no_clear_pii(text_payload)
        assert not any(value in text_payload for value in clear)
    completed = [m for m in messages if m.type == "cn.linli.residents.import.completed.v1"]
    assert completed[0].subject == "linli.3301.330108.330108001._.residents.import.completed"
    assert completed[0].payload["data"]["residents_created"] == 500
    resident_event = next(m for m in messages if m.type.endswith("resident.created.v1"))
    assert resident_event.payload["data"]["name_masked"].startswith("居")
    assert resident_event.payload["specversion"] == "1.0"


async def test_a_person_twice_in_the_file_or_already_registered_is_a_bad_row(
    client: httpx.AsyncClient, issuer: TestIssuer, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    registered = await client.post(
        "/residents",
        json={
            "community_code": COMMUNITY,
            "address": {"building": "9幢", "unit": "1单元", "room": "101"},
            "name": "早登记",
            "id_number": person_id(5),
            "relation_to_head": "head",
        },
        headers=worker(issuer),
    )
    assert registered.status_code == 201, registered.text
    rows = make_rows(10)
    rows.append(list(rows[2]))  # row 4 again, as row 12

    job = await imported(client, worker(issuer), to_csv(rows))

    assert job["status"] == "rejected" and job["bad_rows"] == 2
    lines = await report(client, worker(issuer), job["id"])
    assert [(line["row"], line["code"]) for line in lines] == [
        ("7", "already_registered"),
        ("12", "duplicate_in_file"),
    ]
    assert "row 4" in lines[1]["reason_en"]
    assert await count(sessionmaker, Resident) == 1


async def test_an_xlsx_upload_in_a_multipart_form_is_imported(
    client: httpx.AsyncClient, issuer: TestIssuer, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    # Chinese headers and relations, as a worker's own spreadsheet has them; numbers as numbers.
    sheet.append(["社区代码", "楼栋", "单元", "房号", "姓名", "身份证号", "手机号", "与户主关系"])
    sheet.append([int(COMMUNITY), "1幢", "1单元", 101, "王五", person_id(1), 13912345678, "户主"])
    sheet.append([int(COMMUNITY), "1幢", "1单元", 101, "赵六", person_id(2), None, "配偶"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = await client.post(
        "/imports/residents",
        files={"file": ("居民.xlsx", buffer.getvalue(), "application/octet-stream")},
        headers=worker(issuer),
    )
    assert response.status_code == 202, response.text
    job = await finished(client, worker(issuer), response.json()["id"])

    assert job["status"] == "completed", await report(client, worker(issuer), job["id"])
    assert (job["format"], job["filename"], job["rows_stored"]) == ("xlsx", "居民.xlsx", 2)
    async with sessionmaker() as session:
        people = (await session.scalars(select(Resident).order_by(Resident.name))).all()
    assert [(p.name, p.relation_to_head.value, p.phone_masked) for p in people] == [
        ("王五", "head", "139****5678"),
        ("赵六", "spouse", None),
    ]


async def test_a_bad_header_or_an_unreadable_file_is_rejected_with_a_report(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    header = [c for c in HEADER if c != "relation_to_head"] + ["nickname"]
    missing = await imported(client, worker(issuer), to_csv([], header))
    latin = await imported(client, worker(issuer), "名字".encode("gb18030") + b"\n1,2\n")

    assert missing["status"] == latin["status"] == "rejected"
    lines = await report(client, worker(issuer), missing["id"])
    assert sorted((line["row"], line["column"], line["code"]) for line in lines) == [
        ("1", "nickname", "unknown_column"),
        ("1", "relation_to_head", "missing_column"),
    ]
    assert [line["code"] for line in await report(client, worker(issuer), latin["id"])] == [
        "unreadable"
    ]


async def test_who_may_import_and_see_an_import(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    content = to_csv(make_rows(2))
    resident = issuer.headers(roles=[Role.RESIDENT], subject="r1")
    grid = issuer.headers(roles=[Role.GRID_WORKER], scope=COMMUNITY, subject="g1")

    assert (await upload(client, resident, content)).status_code == 403
    assert (await upload(client, grid, content)).status_code == 403
    # Naming a division one does not hold refuses the whole upload.
    other = await upload(client, worker(issuer), content, params={"division": OTHER_COMMUNITY})
    assert other.status_code == 403
    assert (await upload(client, worker(issuer), b"", content_type="text/csv")).status_code == 422
    assert (
        await upload(client, worker(issuer), content, content_type="application/json")
    ).status_code == 415

    job = await imported(client, worker(issuer), content)
    assert job["status"] == "completed"
    # Another community's worker: as if it did not exist. The street's admin sees it.
    assert (
        await client.get(f"/imports/{job['id']}", headers=worker(issuer, OTHER_COMMUNITY))
    ).status_code == 404
    assert (
        await client.get(f"/imports/{job['id']}", headers=street_admin(issuer))
    ).status_code == 200
    assert (await client.get(f"/imports/{uuid.uuid4()}", headers=worker(issuer))).status_code == 404
    assert (await client.get(f"/imports/{job['id']}", headers=resident)).status_code == 403
    # A completed import has no report.
    assert (
        await client.get(f"/imports/{job['id']}/report.csv", headers=worker(issuer))
    ).status_code == 409


async def test_a_street_admin_may_name_a_community_and_rows_elsewhere_are_bad_rows(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    rows = make_rows(4) + make_rows(2, community=OTHER_COMMUNITY, start=4)

    job = await imported(client, street_admin(issuer), to_csv(rows), params={"division": COMMUNITY})

    assert job["status"] == "rejected" and job["scope_code"] == COMMUNITY
    lines = await report(client, street_admin(issuer), job["id"])
    assert [(line["row"], line["code"]) for line in lines] == [
        ("6", "out_of_scope"),
        ("7", "out_of_scope"),
    ]


async def test_a_retry_with_the_same_idempotency_key_gets_the_first_job(
    client: httpx.AsyncClient, issuer: TestIssuer, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    content = to_csv(make_rows(4))
    headers = {**worker(issuer), "Idempotency-Key": "import-1"}

    first = await upload(client, headers, content)
    again = await upload(client, headers, content)
    other = await upload(client, headers, to_csv(make_rows(4, start=10)))

    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert other.status_code == 422
    await finished(client, worker(issuer), first.json()["id"])
    assert await count(sessionmaker, Resident) == 4


async def test_a_job_whose_process_died_is_failed_when_read(
    client: httpx.AsyncClient, issuer: TestIssuer, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    job_id = uuid.uuid4()
    async with sessionmaker.begin() as session:
        session.add(
            ImportJob(
                id=job_id,
                scope_code=COMMUNITY,
                status=ImportStatus.STORING,
                format=ImportFormat.CSV,
                file_bytes=10,
                file_sha256="0" * 64,
                created_by="worker",
                heartbeat_at=datetime.now(UTC) - timedelta(minutes=5),
            )
        )

    response = await client.get(f"/imports/{job_id}", headers=worker(issuer))

    assert response.status_code == 200
    assert response.json()["status"] == "failed"
    assert "nothing was stored" in response.json()["error"]


# --- hostile files -------------------------------------------------------------------------------


@pytest.fixture
async def strict_client(settings: Settings, issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    """The service with small import limits, so that a bomb of each kind stays small."""
    strict = settings.model_copy(
        update={
            "import_max_rows": 20,
            "import_max_cell_chars": 100,
            "import_max_inflated_bytes": 4 * 1024 * 1024,
            "import_max_compression_ratio": 50.0,
        }
    )
    async with serve_app(create_app(strict, token_verifier=issuer.verifier())) as client:
        yield client


def workbook_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def imported_as(
    kind: str, client: httpx.AsyncClient, headers: dict[str, str], rows: list[list[str]]
) -> dict[str, Any]:
    """The rows imported as a CSV or an XLSX file, to the job's end."""
    if kind == "csv":
        return await imported(client, headers, to_csv(rows))
    return await imported(client, headers, workbook_bytes(rows), content_type=XLSX_TYPE)


def with_sheet(workbook: bytes, sheet_xml: bytes) -> bytes:
    """The workbook with its sheet's XML replaced, as a hand-made archive would have it."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            target.writestr(member.filename, data)
    return out.getvalue()


async def test_a_workbook_that_inflates_past_the_limits_is_413_before_anything_is_read(
    strict_client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    # One cell of 3 MB compresses to a few KB: an archive bomb in small.
    cell = b'<c r="A2" t="inlineStr"><is><t>' + b"x" * 3_000_000 + b"</t></is></c>"
    one_big_cell = with_sheet(
        workbook_bytes([]),
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="2">' + cell + b"</row></sheetData></worksheet>",
    )
    # 5 MB of random text inflates past the 4 MB allowed, at an honest ratio.
    inflated = workbook_bytes(
        [[COMMUNITY, "", "1幢", "1单元", "101", os.urandom(640).hex()] for _ in range(4000)]
    )
    # A single text of 2,000 characters, where 100 are allowed, whatever it compresses to.
    long_text = workbook_bytes([[COMMUNITY, "", "1幢", "1单元", "101", os.urandom(1000).hex()]])
    assert len(one_big_cell) < 100_000

    bomb = await upload(strict_client, worker(issuer), one_big_cell, content_type=XLSX_TYPE)
    large = await upload(strict_client, worker(issuer), inflated, content_type=XLSX_TYPE)
    long = await upload(strict_client, worker(issuer), long_text, content_type=XLSX_TYPE)

    assert long.status_code == 413, long.text
    assert "a cell holds at most 100 characters" in long.json()["detail"]

    assert bomb.status_code == large.status_code == 413
    assert bomb.headers["content-type"] == "application/problem+json"
    assert bomb.json()["type"].endswith("/import-archive-suspicious")
    assert large.json()["type"].endswith("/import-file-too-large")
    assert "inflates to" in large.json()["detail"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_a_file_of_more_rows_than_allowed_is_413_at_upload(
    strict_client: httpx.AsyncClient, issuer: TestIssuer, kind: str
) -> None:
    rows = make_rows(25)
    content = to_csv(rows) if kind == "csv" else workbook_bytes(rows)

    response = await upload(
        strict_client,
        worker(issuer),
        content,
        content_type="text/csv" if kind == "csv" else XLSX_TYPE,
    )

    assert response.status_code == 413, response.text
    assert response.json()["type"].endswith("/import-file-too-large")
    assert "at most 20" in response.json()["detail"]


async def test_rows_past_the_limit_stop_the_job_even_where_the_upload_could_not_count_them(
    strict_client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    # Rows in a prefixed namespace: valid SpreadsheetML the upload's byte count does not see.
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    def row(n: int, cells: Sequence[str]) -> str:
        return (
            f'<x:row r="{n}">'
            + "".join(f'<x:c t="inlineStr"><x:is><x:t>{cell}</x:t></x:is></x:c>' for cell in cells)
            + "</x:row>"
        )

    rows = row(1, HEADER) + "".join(row(n, ["v"]) for n in range(2, 31))
    content = with_sheet(
        workbook_bytes([]),
        f'<x:worksheet xmlns:x="{main}"><x:sheetData>{rows}</x:sheetData></x:worksheet>'.encode(),
    )

    job = await imported(strict_client, worker(issuer), content, content_type=XLSX_TYPE)

    assert job["status"] == "rejected", job
    assert job["rows_validated"] == 0 and job["rows_total"] is None
    [line] = await report(strict_client, worker(issuer), job["id"])
    assert (line["row"], line["column"], line["code"]) == ("22", "*", "too_many_rows")
    assert "20" in line["reason_zh"] and "20" in line["reason_en"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_a_cell_longer_than_allowed_is_rejected_with_its_row(
    strict_client: httpx.AsyncClient, issuer: TestIssuer, kind: str
) -> None:
    rows = make_rows(4)
    rows[2][HEADER.index("name")] = "长" * 101

    job = await imported_as(kind, strict_client, worker(issuer), rows)

    assert job["status"] == "rejected", job
    [line] = await report(strict_client, worker(issuer), job["id"])
    assert (line["row"], line["code"]) == ("4", "cell_too_long")
    assert "第 6 列" in line["reason_zh"]


async def test_a_nul_in_a_cell_rejects_the_import_with_that_row_reported(
    client: httpx.AsyncClient, issuer: TestIssuer, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    rows = make_rows(4)
    rows[1][HEADER.index("name")] = "王\x00五"
    header = [*HEADER[:-1], "tags\x00"]

    job = await imported(client, worker(issuer), to_csv(rows))
    bad_header = await imported(client, worker(issuer), to_csv(rows, header))

    assert job["status"] == bad_header["status"] == "rejected", job
    lines = await report(client, worker(issuer), job["id"])
    assert [(line["row"], line["column"], line["code"]) for line in lines] == [
        ("3", "name", "nul_character")
    ]
    assert lines[0]["value"] == "王\ufffd五"
    header_lines = await report(client, worker(issuer), bad_header["id"])
    assert [(line["column"], line["code"]) for line in header_lines] == [
        ("tags\ufffd", "unknown_column")
    ]
    assert await count(sessionmaker, Resident) == 0


async def test_a_file_name_with_a_nul_is_422_and_a_long_one_is_kept_short(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    content = to_csv(make_rows(2))

    # By hand: httpx would percent-encode the NUL of a file name, a hostile client does not.
    boundary = uuid.uuid4().hex
    multipart = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="居民\x00.csv"'
            "\r\nContent-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    nul = await client.post(
        "/imports/residents",
        content=multipart,
        headers={**worker(issuer), "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    long = await client.post(
        "/imports/residents",
        files={"file": ("居" * 300 + ".csv", content, "text/csv")},
        headers=worker(issuer),
    )

    assert nul.status_code == 422
    assert [e["field"] for e in nul.json()["errors"]] == ["body.file"]
    assert long.status_code == 202, long.text
    assert long.json()["filename"] == "…" + ("居" * 300 + ".csv")[-254:]
    job = await finished(client, worker(issuer), long.json()["id"])
    assert job["status"] == "completed"


async def test_the_report_s_chinese_reasons_hold_no_english(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    rows = make_rows(6)
    rows[0][HEADER.index("id_number")] = rows[0][HEADER.index("id_number")][:17] + (
        "0" if rows[0][HEADER.index("id_number")][17] != "0" else "1"
    )
    rows[1][HEADER.index("name")] = "名" * 51
    rows[3] = list(rows[2])
    rows[4][HEADER.index("court")] = "别的花苑"

    job = await imported(client, worker(issuer), to_csv(rows))

    assert job["status"] == "rejected"
    lines = await report(client, worker(issuer), job["id"])
    assert {line["code"] for line in lines} >= {
        "id_number_invalid",
        "too_long",
        "duplicate_in_file",
        "court_conflict",
    }
    for line in lines:
        assert not re.search("[A-Za-z]", line["reason_zh"]), line


async def test_a_second_head_for_a_dwelling_in_the_file_is_a_bad_row(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    rows = make_rows(4)
    rows[1][HEADER.index("relation_to_head")] = "户主"  # the spouse of row 2, given as head

    job = await imported(client, worker(issuer), to_csv(rows))

    assert job["status"] == "rejected"
    [line] = await report(client, worker(issuer), job["id"])
    assert (line["row"], line["column"], line["code"]) == ("3", "relation_to_head", "second_head")
    assert line["reason_zh"] == "同一户的户主已在前面的行中给出（第 2 行）"


async def test_a_head_for_a_household_that_has_one_in_the_registry_is_a_bad_row(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    first = await imported(client, worker(issuer), to_csv(make_rows(2)))
    assert first["status"] == "completed", first
    newcomer = make_rows(1, start=500)[0]
    for column in ("court", "building", "unit", "room"):
        newcomer[HEADER.index(column)] = make_rows(1)[0][HEADER.index(column)]

    job = await imported(client, worker(issuer), to_csv([newcomer]))

    assert job["status"] == "rejected"
    [line] = await report(client, worker(issuer), job["id"])
    assert (line["row"], line["code"]) == ("2", "household_has_head")
