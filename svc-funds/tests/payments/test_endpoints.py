"""Payment requests over HTTP: n of m approvals by serving committee members, the completing
approval pays, above the limit the whole committee is needed, and every refusal (own request,
payee, non-member, ended term, second approval, beyond the balance) leaves nothing changed;
many approvals at once never take a fund below zero."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# The service counts terms in Asia/Shanghai days: "today" is its today, not the machine's
# (a run at 16:00 UTC is already tomorrow there).
from linli.funds.committees.service import today
from linli.funds.events import funds_event_adapter
from linli.testing import OutboxReader

FundFactory = Callable[..., Awaitable[dict[str, Any]]]
IncomeFactory = Callable[..., Awaitable[dict[str, Any]]]
Headers = Callable[..., dict[str, str]]
Committee = dict[str, Any]


@pytest.fixture
async def committee(
    client: httpx.AsyncClient,
    staff: Headers,
    create_fund: FundFactory,
    receive_income: IncomeFactory,
) -> Committee:
    """A community fund holding 2,000 yuan: 2 of 3 approve up to 1,000 yuan, above it all 3;
    a fourth member's term ended yesterday."""
    fund = await create_fund(quorum=2, large_payment_fen=100_000)
    await receive_income(fund, 200_000)
    seats = {
        "donor": ("donors", today() - timedelta(days=30), today() + timedelta(days=365)),
        "wang": ("residents", today(), today()),
        "li": ("residents", today() - timedelta(days=1), today() + timedelta(days=1)),
        "former": ("residents", today() - timedelta(days=400), today() - timedelta(days=1)),
    }
    for subject, (represents, start, end) in seats.items():
        response = await client.post(
            f"/funds/{fund['id']}/committee",
            json={
                "subject": f"acct-{subject}",
                "display_name": f"{subject}代表",
                "represents": represents,
                "term_start": start.isoformat(),
                "term_end": end.isoformat(),
            },
            headers=staff(),
        )
        assert response.status_code == 201, response.text
    return fund


async def request(
    client: httpx.AsyncClient, fund: dict[str, Any], headers: dict[str, str], **fields: Any
) -> httpx.Response:
    body = {"amount_fen": 50_000, "payee": "楼道保洁服务队", "purpose": "3幢楼道清理", **fields}
    return await client.post(f"/funds/{fund['id']}/payments", json=body, headers=headers)


async def approve(
    client: httpx.AsyncClient, payment_id: str, headers: dict[str, str]
) -> httpx.Response:
    return await client.post(f"/payments/{payment_id}/approvals", headers=headers)


async def test_two_of_three_approve_and_the_second_approval_pays(
    client: httpx.AsyncClient,
    staff: Headers,
    member: Headers,
    committee: Committee,
    outbox: OutboxReader,
) -> None:
    filed = await request(client, committee, staff())
    assert filed.status_code == 201, filed.text
    payment = filed.json()
    assert (payment["status"], payment["approvals_required"]) == ("pending", 2)

    first = await approve(client, payment["id"], member("acct-donor"))
    assert (first.status_code, first.json()["status"], first.json()["approvals"]) == (
        200,
        "pending",
        1,
    )
    second = await approve(client, payment["id"], member("acct-wang"))
    assert second.status_code == 200, second.text
    paid = second.json()
    assert (paid["status"], paid["approvals"]) == ("paid", 2)

    fund = (await client.get(f"/funds/{committee['id']}")).json()
    assert fund["balance_fen"] == 150_000
    [out, _income] = (await client.get(f"/funds/{committee['id']}/ledger")).json()["items"]
    assert (out["kind"], out["amount_fen"], out["source_id"], out["entry_id"]) == (
        "payment",
        -50_000,
        payment["id"],
        paid["entry_id"],
    )
    assert (await client.get(f"/funds/{committee['id']}/ledger/check")).json()["ok"] is True

    types = await outbox.types()
    assert types[-4:] == [
        "payment.requested",
        "payment.approved",
        "payment.approved",
        "payment.paid",
    ]
    for row in await outbox.messages():
        event = funds_event_adapter.validate_python(row.payload["data"])
        assert row.subject == event.subject()
        assert "acct-" not in str(row.payload["data"])  # no account of any member


async def test_refusals_of_approvals_change_nothing(
    client: httpx.AsyncClient, staff: Headers, member: Headers, committee: Committee
) -> None:
    payment = (await request(client, committee, staff(), payee_subject="acct-li")).json()
    own = (await request(client, committee, member("acct-donor"))).json()

    cases = [
        (own["id"], member("acct-donor"), 403, "self-approval"),
        (payment["id"], member("acct-li"), 403, "self-approval"),  # it pays li
        (payment["id"], member("acct-stranger"), 403, "not-a-committee-member"),
        (payment["id"], member("acct-former"), 403, "term-not-running"),
        (payment["id"], staff(), 403, "not-a-committee-member"),
    ]
    for payment_id, headers, status, problem in cases:
        refused = await approve(client, payment_id, headers)
        assert refused.status_code == status, (problem, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"].endswith("/" + problem)

    assert (await approve(client, payment["id"], member("acct-donor"))).status_code == 200
    again = await approve(client, payment["id"], member("acct-donor"))
    assert again.status_code == 409
    assert again.json()["type"].endswith("/already-approved")

    for payment_id, approvals in ((payment["id"], 1), (own["id"], 0)):
        shown = (await client.get(f"/payments/{payment_id}")).json()
        assert (shown["status"], shown["approvals"]) == ("pending", approvals)
    assert (await client.get(f"/funds/{committee['id']}")).json()["balance_fen"] == 200_000


async def test_above_the_limit_the_whole_committee_must_approve(
    client: httpx.AsyncClient, staff: Headers, member: Headers, committee: Committee
) -> None:
    payment = (await request(client, committee, staff(), amount_fen=150_000)).json()
    assert payment["approvals_required"] == 3  # every serving member: donor, wang, li

    for subject in ("donor", "wang"):
        answer = (await approve(client, payment["id"], member(f"acct-{subject}"))).json()
        assert (answer["status"], answer["approvals"]) == ("pending", 2 if subject == "wang" else 1)
    assert (await client.get(f"/funds/{committee['id']}")).json()["balance_fen"] == 200_000

    paid = (await approve(client, payment["id"], member("acct-li"))).json()
    assert paid["status"] == "paid"
    assert (await client.get(f"/funds/{committee['id']}")).json()["balance_fen"] == 50_000

    # Filed by a member, who may not approve it: the committee left cannot reach 3.
    too_big = await request(client, committee, member("acct-donor"), amount_fen=150_000)
    assert too_big.status_code == 409
    assert too_big.json()["type"].endswith("/committee-too-small")
    assert too_big.json()["members_who_may_approve"] == 2


async def test_a_payment_beyond_the_balance_is_refused_naming_it_and_records_nothing(
    client: httpx.AsyncClient,
    staff: Headers,
    member: Headers,
    committee: Committee,
    outbox: OutboxReader,
) -> None:
    payment = (await request(client, committee, staff(), amount_fen=250_000)).json()
    for subject in ("donor", "wang"):
        assert (await approve(client, payment["id"], member(f"acct-{subject}"))).status_code == 200
    before = await outbox.types()

    refused = await approve(client, payment["id"], member("acct-li"))

    assert refused.status_code == 409
    body = refused.json()
    assert body["type"].endswith("/insufficient-funds")
    assert (body["balance_fen"], body["amount_fen"]) == (200_000, 250_000)
    assert "200000" in body["detail"]
    shown = (await client.get(f"/payments/{payment['id']}")).json()
    assert (shown["status"], shown["approvals"]) == ("pending", 2)
    assert await outbox.types() == before
    assert (await client.get(f"/funds/{committee['id']}")).json()["balance_fen"] == 200_000


async def test_a_rejected_request_is_decided(
    client: httpx.AsyncClient, staff: Headers, member: Headers, committee: Committee
) -> None:
    payment = (await request(client, committee, staff())).json()
    rejected = await client.post(
        f"/payments/{payment['id']}/rejection",
        json={"reason": "报价过高"},
        headers=member("acct-wang"),
    )
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["rejected_reason"]) == (
        "rejected",
        "报价过高",
    )
    late = await approve(client, payment["id"], member("acct-donor"))
    assert late.status_code == 409
    assert late.json()["type"].endswith("/payment-not-pending")
    listed = await client.get(f"/funds/{committee['id']}/payments", params={"status": "rejected"})
    assert [p["id"] for p in listed.json()["items"]] == [payment["id"]]


@pytest.mark.parametrize("amount", [0, 1.5, 100.0, -1])
async def test_a_request_that_is_not_a_whole_positive_number_of_fen_is_refused(
    client: httpx.AsyncClient, staff: Headers, committee: Committee, amount: object
) -> None:
    refused = await request(client, committee, staff(), amount_fen=amount)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.amount_fen"


async def test_200_concurrent_approvals_against_a_fund_affording_20_pay_exactly_20(
    client: httpx.AsyncClient,
    staff: Headers,
    member: Headers,
    create_fund: FundFactory,
    receive_income: IncomeFactory,
    engine: AsyncEngine,
) -> None:
    fund = await create_fund(quorum=1)
    await receive_income(fund, 2_000)
    seat = {
        "subject": "treasurer",
        "display_name": "出纳",
        "represents": "community",
        "term_start": today().isoformat(),
        "term_end": today().isoformat(),
    }
    assert (
        await client.post(f"/funds/{fund['id']}/committee", json=seat, headers=staff())
    ).status_code == 201
    payments = [
        (await request(client, fund, staff(), amount_fen=100)).json()["id"] for _ in range(200)
    ]
    approver = member("treasurer")

    answers = await asyncio.gather(*(approve(client, p, approver) for p in payments))

    statuses = [answer.status_code for answer in answers]
    assert (statuses.count(200), statuses.count(409)) == (20, 180), statuses
    refused = [answer.json() for answer in answers if answer.status_code == 409]
    assert {r["type"].rsplit("/", 1)[1] for r in refused} == {"insufficient-funds"}
    assert all(0 <= r["balance_fen"] < 100 for r in refused)
    check = (await client.get(f"/funds/{fund['id']}/ledger/check")).json()
    assert (check["ok"], check["balance_fen"], check["entries"]) == (True, 0, 21)
    # One chain, no fork: fund, income, seat, 200 requests, 20 approvals and 20 payments.
    audit = (await client.get(f"/funds/{fund['id']}/audit/verify")).json()
    assert (audit["ok"], audit["records"]) == (True, 243)
    async with engine.connect() as connection:
        paid = await connection.scalar(
            text("SELECT count(*) FROM payment_requests WHERE fund_id = :f AND status = 'paid'"),
            {"f": uuid.UUID(fund["id"])},
        )
        approvals = await connection.scalar(text("SELECT count(*) FROM payment_approvals"))
    assert (paid, approvals) == (20, 20)


async def test_a_retried_approval_with_its_idempotency_key_counts_once(
    client: httpx.AsyncClient,
    staff: Headers,
    member: Headers,
    committee: Committee,
    engine: AsyncEngine,
) -> None:
    payment = (await request(client, committee, staff())).json()
    headers = {**member("acct-donor"), "Idempotency-Key": "approve-1"}
    first = await approve(client, payment["id"], headers)
    retry = await approve(client, payment["id"], headers)
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.headers["idempotent-replayed"] == "true"
    # Read from the database: linli.testing's serve_app shares request.state between requests,
    # so a further request on `client` would replay the first one's idempotency claim.
    async with engine.connect() as connection:
        approvals = await connection.scalar(text("SELECT count(*) FROM payment_approvals"))
    assert approvals == 1
