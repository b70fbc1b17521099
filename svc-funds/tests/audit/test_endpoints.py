"""The audit trail over HTTP: every action is a record chained by hash; `audit/verify` (no token)
finds a record edited or removed in the database and names the first one that breaks."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from linli.common.auth import Role
from linli.funds.audit.service import record_hash
from linli.testing.tokens import TestIssuer

FundFactory = Callable[..., Awaitable[dict[str, Any]]]
IncomeFactory = Callable[..., Awaitable[dict[str, Any]]]
Headers = Callable[..., dict[str, str]]


async def test_every_action_is_chained_and_an_edited_record_is_named(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    staff: Headers,
    create_fund: FundFactory,
    receive_income: IncomeFactory,
    engine: AsyncEngine,
) -> None:
    fund = await create_fund()
    for amount in (100, 200, 300, 400):
        await receive_income(fund, amount)
    other = await create_fund(name="东信青少年基金", kind="special")
    await receive_income(other, 999)

    verified = (await client.get(f"/funds/{fund['id']}/audit/verify")).json()
    assert (verified["ok"], verified["records"], verified["first_tampered"]) == (True, 5, None)

    auditor = issuer.headers(roles=[Role.AUDITOR], scope="330108", subject="auditor-1")
    trail = (await client.get(f"/funds/{fund['id']}/audit", headers=auditor)).json()["items"]
    assert [r["action"] for r in trail] == ["cn.linli.funds.fund.created.v1"] + [
        "cn.linli.funds.income.received.v1"
    ] * 4
    assert {r["actor"] for r in trail} == {"community_worker-330108001001"}
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(trail))
    resident = issuer.headers(roles=[Role.RESIDENT], scope="330108001001")
    assert (await client.get(f"/funds/{fund['id']}/audit", headers=resident)).status_code == 403

    third = trail[2]["seq"]
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE audit_records SET data = jsonb_set(data, '{amount_fen}', '20000')"
                " WHERE seq = :seq"
            ),
            {"seq": third},
        )
    tampered = (await client.get(f"/funds/{fund['id']}/audit/verify")).json()
    assert tampered["ok"] is False
    assert tampered["first_tampered"] == {"seq": third, "reason": "hash"}
    # The other fund's chain is its own, and holds.
    assert (await client.get(f"/funds/{other['id']}/audit/verify")).json()["ok"] is True

    # Re-hashing the edited record to hide the edit breaks the next record's link instead.
    async with engine.begin() as connection:
        row = (
            await connection.execute(
                text("SELECT * FROM audit_records WHERE seq = :seq"), {"seq": third}
            )
        ).one()
        forged = record_hash(
            prev_hash=row.prev_hash,
            fund_id=row.fund_id,
            actor=row.actor,
            action=row.action,
            subject_id=row.subject_id,
            data=row.data,
            created_at=row.created_at,
        )
        await connection.execute(
            text("UPDATE audit_records SET hash = :hash WHERE seq = :seq"),
            {"hash": forged, "seq": third},
        )
    relinked = (await client.get(f"/funds/{fund['id']}/audit/verify")).json()
    assert relinked["first_tampered"] == {"seq": trail[3]["seq"], "reason": "prev_hash"}
    async with engine.begin() as connection:
        await connection.execute(
            text("DELETE FROM audit_records WHERE seq <= :seq"), {"seq": third}
        )
    removed = (await client.get(f"/funds/{fund['id']}/audit/verify")).json()
    assert removed["first_tampered"] == {"seq": trail[3]["seq"], "reason": "prev_hash"}
    assert removed["records"] == 2


async def test_verify_of_an_unknown_fund_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/funds/{uuid.uuid4()}/audit/verify")
    assert response.status_code == 404
