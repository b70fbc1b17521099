"""Funds over HTTP: opened by the division's staff, read and checked by anyone, income posted in
whole fen, every movement on the public ledger, events on the fund's division subject."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from linli.common.auth import Role
from linli.funds.events import funds_event_adapter
from linli.testing import OutboxReader
from linli.testing.tokens import TestIssuer

FundFactory = Callable[..., Awaitable[dict[str, Any]]]
IncomeFactory = Callable[..., Awaitable[dict[str, Any]]]
Headers = Callable[..., dict[str, str]]

STREET = "330108001"
COMMUNITY = "330108001001"
OTHER_COMMUNITY = "330108002001"


async def test_street_community_and_special_funds_are_opened_and_read_without_a_token(
    client: httpx.AsyncClient, create_fund: FundFactory, outbox: OutboxReader
) -> None:
    street = await create_fund(division_code=STREET, name="西兴街道基金")
    community = await create_fund(division_code=COMMUNITY, quorum=2, large_payment_fen=100_000)
    youth = await create_fund(division_code=STREET, kind="special", name="西兴青少年基金")

    listed = await client.get("/funds", params={"division": STREET})
    assert listed.status_code == 200, listed.text
    assert {f["id"] for f in listed.json()["items"]} == {street["id"], community["id"], youth["id"]}
    one = (await client.get(f"/funds/{community['id']}")).json()
    assert (one["kind"], one["quorum"], one["large_payment_fen"], one["balance_fen"]) == (
        "community",
        2,
        100_000,
        0,
    )

    created = await outbox.messages(type="fund.created")
    assert [row.subject for row in created] == [
        "linli.3301.330108.330108001._.funds.fund.created",
        "linli.3301.330108.330108001.330108001001.funds.fund.created",
        "linli.3301.330108.330108001._.funds.fund.created",
    ]
    for row in created:
        funds_event_adapter.validate_python(row.payload["data"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"division_code": COMMUNITY, "kind": "street", "name": "x"}, "body"),
        ({"division_code": STREET, "kind": "community", "name": "x"}, "body"),
        ({"division_code": "33010", "kind": "special", "name": "x"}, "body.division_code"),
        (
            {"division_code": COMMUNITY, "kind": "community", "name": "x", "quorum": 0},
            "body.quorum",
        ),
        (
            {"division_code": COMMUNITY, "kind": "community", "name": "x", "quorum": 1.0},
            "body.quorum",
        ),
        (
            {"division_code": COMMUNITY, "kind": "community", "name": "电话13812345678"},
            "body.name",
        ),
    ],
)
async def test_a_fund_that_does_not_fit_is_refused_field_by_field(
    client: httpx.AsyncClient, staff: Headers, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/funds", json=body, headers=staff(STREET))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert any(e["field"] == field for e in response.json()["errors"]), response.json()
    assert (await client.get("/funds")).json()["items"] == []


async def test_who_may_open_a_fund(
    client: httpx.AsyncClient, issuer: TestIssuer, staff: Headers, create_fund: FundFactory
) -> None:
    body = {"division_code": COMMUNITY, "kind": "community", "name": "东信社区基金"}
    elsewhere = await client.post("/funds", json=body, headers=staff(OTHER_COMMUNITY))
    assert elsewhere.status_code == 403
    resident = issuer.headers(roles=[Role.RESIDENT], scope=COMMUNITY)
    assert (await client.post("/funds", json=body, headers=resident)).status_code == 403
    assert (await client.post("/funds", json=body)).status_code == 401

    await create_fund(**body)
    again = await client.post("/funds", json=body, headers=staff(COMMUNITY))
    assert again.status_code == 409
    assert again.json()["type"].endswith("/fund-name-taken")


async def test_income_in_whole_fen_reaches_the_public_ledger_and_the_check(
    client: httpx.AsyncClient,
    create_fund: FundFactory,
    receive_income: IncomeFactory,
    outbox: OutboxReader,
) -> None:
    fund = await create_fund()
    first = await receive_income(fund, 100)
    second = await receive_income(fund, 115_000, payer="社区食堂")
    assert (first["balance_fen"], second["balance_fen"]) == (100, 115_100)
    assert (await client.get(f"/funds/{fund['id']}")).json()["balance_fen"] == 115_100

    page = await client.get(f"/funds/{fund['id']}/ledger", params={"limit": 1})
    assert page.status_code == 200, page.text
    [newest] = page.json()["items"]
    assert (newest["kind"], newest["amount_fen"], newest["source_id"]) == (
        "income",
        115_000,
        second["id"],
    )
    rest = await client.get(
        f"/funds/{fund['id']}/ledger", params={"cursor": page.json()["next_cursor"]}
    )
    assert [m["source_id"] for m in rest.json()["items"]] == [first["id"]]
    assert rest.json()["next_cursor"] is None

    check = (await client.get(f"/funds/{fund['id']}/ledger/check")).json()
    assert check["ok"] is True
    assert (check["balance_fen"], check["entries"], check["lines"]) == (115_100, 2, 4)
    assert {a["kind"]: a["ledger_sum_fen"] for a in check["accounts"]}["income"] == -115_100

    received = await outbox.data("income.received")
    assert [e["amount_fen"] for e in received] == [100, 115_000]


@pytest.mark.parametrize("amount", [0, -100, 1.5, 100.0, "100", None, 10**14])
async def test_income_that_is_not_a_whole_positive_number_of_fen_is_refused(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    staff: Headers,
    create_fund: FundFactory,
    amount: object,
) -> None:
    fund = await create_fund()
    response = await client.post(
        f"/funds/{fund['id']}/income",
        json={"amount_fen": amount, "payer": "食堂"},
        headers=staff(),
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "body.amount_fen"
    assert (await client.get(f"/funds/{fund['id']}/ledger")).json()["items"] == []


async def test_an_idempotent_retry_of_income_posts_once(
    client: httpx.AsyncClient, staff: Headers, create_fund: FundFactory, engine: AsyncEngine
) -> None:
    fund = await create_fund()
    headers = {**staff(), "Idempotency-Key": "canteen-2026-11-30"}
    body = {"amount_fen": 5_000, "payer": "食堂"}
    first = await client.post(f"/funds/{fund['id']}/income", json=body, headers=headers)
    retry = await client.post(f"/funds/{fund['id']}/income", json=body, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    # Read from the database, not through `client`: linli.testing's serve_app shares
    # request.state between requests, so a later request on this client would replay the
    # first one's idempotency claim (reported to the kernel's owners).
    async with engine.connect() as connection:
        balance = await connection.scalar(
            text("SELECT balance_fen FROM accounts WHERE fund_id = :fund AND kind = 'cash'"),
            {"fund": uuid.UUID(fund["id"])},
        )
        entries = await connection.scalar(text("SELECT count(*) FROM ledger_entries"))
    assert (balance, entries) == (5_000, 1)


async def test_income_to_a_fund_outside_the_scope_is_404(
    client: httpx.AsyncClient, issuer: TestIssuer, staff: Headers, create_fund: FundFactory
) -> None:
    fund = await create_fund()
    response = await client.post(
        f"/funds/{fund['id']}/income",
        json={"amount_fen": 100, "payer": "食堂"},
        headers=staff(OTHER_COMMUNITY),
    )
    assert response.status_code == 404
    assert (await client.get("/funds/00000000-0000-4000-8000-000000000000")).status_code == 404
