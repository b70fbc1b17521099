"""Change requests over HTTP: a resident files one for their own record, a worker of their
community approves (the record changes) or rejects it; others are refused by the scope rule."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.residents.models import ChangeRequest
from linli.testing import OutboxReader, short_type
from linli.testing.tokens import TestIssuer

ResidentFactory = Callable[..., Awaitable[dict[str, Any]]]

pytestmark = pytest.mark.usefixtures("tree")

COMMUNITY = "330108001001"


def worker(issuer: TestIssuer, scope: str = COMMUNITY) -> dict[str, str]:
    return issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=scope, subject=f"worker-{scope}")


def me(issuer: TestIssuer, resident: dict[str, Any]) -> dict[str, str]:
    return issuer.headers(roles=[Role.RESIDENT], subject="alice", resident_id=resident["id"])


async def file(
    client: httpx.AsyncClient, headers: dict[str, str], **changes: Any
) -> httpx.Response:
    return await client.post("/residents/me/change-requests", json=changes, headers=headers)


async def test_a_filed_change_approved_by_a_worker_changes_the_record(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    create_resident: ResidentFactory,
) -> None:
    resident = await create_resident()
    filed = await file(
        client, me(issuer, resident), phone="13900004444", tags=["volunteer"], note="换号了"
    )
    queue = await client.get(
        "/change-requests", params={"status": "pending"}, headers=worker(issuer)
    )

    approved = await client.post(
        f"/change-requests/{filed.json()['id']}/approve", headers=worker(issuer)
    )
    record = await client.get(f"/residents/{resident['id']}", headers=worker(issuer))
    mine = await client.get("/residents/me/change-requests", headers=me(issuer, resident))

    assert filed.status_code == 201
    assert filed.json()["status"] == "pending"
    assert filed.json()["changes"] == {"phone": "139****4444", "tags": ["volunteer"]}
    assert [r["id"] for r in queue.json()["items"]] == [filed.json()["id"]]
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == f"worker-{COMMUNITY}"
    assert record.json()["phone"] == "139****4444"
    assert record.json()["tags"] == ["volunteer"]
    assert [r["status"] for r in mine.json()["items"]] == ["approved"]
    events = await OutboxReader(sessionmaker).messages()
    types = [short_type(e.type) for e in events]
    # After the five creations: the filing, then the approval's three (one transaction).
    assert types[5] == "change_request.filed"
    assert sorted(types[6:]) == [
        "change_request.approved",
        "resident.tagged",
        "resident.updated",
    ]
    assert events[5].payload["data"]["fields"] == ["phone", "tags"]
    assert not any("13900004444" in json.dumps(e.payload) for e in events)


async def test_reject_keeps_the_record_and_a_decided_request_is_409(
    client: httpx.AsyncClient, issuer: TestIssuer, create_resident: ResidentFactory
) -> None:
    resident = await create_resident()
    filed = await file(client, me(issuer, resident), name="张叁")
    path = f"/change-requests/{filed.json()['id']}"

    rejected = await client.post(
        f"{path}/reject", json={"reason": "请带户口本到社区核实"}, headers=worker(issuer)
    )
    again = await client.post(f"{path}/approve", headers=worker(issuer))
    record = await client.get(f"/residents/{resident['id']}", headers=worker(issuer))
    seen_by_applicant = await client.get(path, headers=me(issuer, resident))

    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert again.status_code == 409
    assert again.json()["type"].endswith("/change-request-not-pending")
    assert record.json()["name"] == "张三"
    assert seen_by_applicant.json()["reject_reason"] == "请带户口本到社区核实"


async def test_one_pending_request_at_a_time_and_an_empty_one_is_422(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    create_resident: ResidentFactory,
) -> None:
    resident = await create_resident()

    first = await file(client, me(issuer, resident), relation_to_head="spouse")
    second = await file(client, me(issuer, resident), name="张叁")
    empty = await file(client, me(issuer, resident), note="没什么")
    id_number = await file(client, me(issuer, resident), id_number="330108199003071239")

    assert first.status_code == 201
    assert second.status_code == 409
    assert empty.status_code == id_number.status_code == 422
    async with sessionmaker() as session:
        assert len((await session.scalars(select(ChangeRequest))).all()) == 1


async def test_who_may_file_see_and_decide(
    client: httpx.AsyncClient, issuer: TestIssuer, create_resident: ResidentFactory
) -> None:
    resident = await create_resident()
    filed = await file(client, me(issuer, resident), name="张叁")
    path = f"/change-requests/{filed.json()['id']}"
    no_record = await file(client, issuer.headers(roles=[Role.RESIDENT]), name="某人")
    by_staff = await file(client, worker(issuer), name="某人")

    decide = {
        "street admin": issuer.headers(roles=[Role.STREET_ADMIN], scope="330108001"),
        "other community's worker": worker(issuer, "330108001002"),
        "grid worker": issuer.headers(roles=[Role.GRID_WORKER], scope=COMMUNITY),
        "the resident": me(issuer, resident),
    }
    approvals = {
        who: (await client.post(f"{path}/approve", headers=h)).status_code
        for who, h in decide.items()
    }
    reads = {who: (await client.get(path, headers=h)).status_code for who, h in decide.items()}
    queue_elsewhere = await client.get(
        "/change-requests", params={"division": "330108002"}, headers=worker(issuer)
    )

    assert no_record.status_code == 404
    assert by_staff.status_code == 403
    assert approvals == {
        "street admin": 403,
        "other community's worker": 404,
        "grid worker": 403,
        "the resident": 403,
    }
    assert reads == {
        "street admin": 200,
        "other community's worker": 404,
        "grid worker": 404,
        "the resident": 200,
    }
    assert queue_elsewhere.status_code == 403


async def test_a_retried_filing_with_the_same_key_files_once(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    create_resident: ResidentFactory,
) -> None:
    resident = await create_resident()
    headers = me(issuer, resident) | {"Idempotency-Key": "cr-1"}

    first = await file(client, headers, name="张叁")
    again = await file(client, headers, name="张叁")

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    async with sessionmaker() as session:
        assert len((await session.scalars(select(ChangeRequest))).all()) == 1
