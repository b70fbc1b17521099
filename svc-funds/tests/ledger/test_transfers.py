"""Transfers between funds: a payment request of kind `transfer`, decided by the paying fund's
committee, one entry of four lines moving the money from one fund's cash to the other's; never
beyond the balance, never a deadlock when two funds send to each other at once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from linli.funds.events import funds_event_adapter
from linli.funds.ledger.events import TransferReceived
from linli.testing import OutboxReader

FundFactory = Callable[..., Awaitable[dict[str, Any]]]
IncomeFactory = Callable[..., Awaitable[dict[str, Any]]]
SeatFactory = Callable[..., Awaitable[dict[str, Any]]]
Headers = Callable[..., dict[str, str]]

STREET = "330108001"
COMMUNITY = "330108001001"


@pytest.fixture
async def funds(
    create_fund: FundFactory, receive_income: IncomeFactory, seat: SeatFactory
) -> tuple[dict[str, Any], dict[str, Any]]:
    """西兴街道基金 (10,000 yuan, 1 of its committee approves) and 东信社区基金 (empty)."""
    street = await create_fund(division_code=STREET, name="西兴街道基金", quorum=1)
    await receive_income(street, 1_000_000)
    await seat(street, "acct-street-member")
    community = await create_fund(division_code=COMMUNITY, name="东信社区基金", quorum=1)
    await seat(community, "acct-community-member")
    return street, community


async def transfer(
    client: httpx.AsyncClient,
    source: dict[str, Any],
    target: dict[str, Any],
    amount_fen: int,
    headers: dict[str, str],
) -> httpx.Response:
    return await client.post(
        f"/funds/{source['id']}/payments",
        json={
            "kind": "transfer",
            "to_fund_id": target["id"],
            "amount_fen": amount_fen,
            "purpose": "社区微更新补助",
        },
        headers=headers,
    )


async def test_a_street_fund_transfers_to_a_community_fund(
    client: httpx.AsyncClient,
    staff: Headers,
    member: Headers,
    funds: tuple[dict[str, Any], dict[str, Any]],
    outbox: OutboxReader,
) -> None:
    street, community = funds
    filed = await transfer(client, street, community, 300_000, staff(STREET))
    assert filed.status_code == 201, filed.text
    assert (filed.json()["payee"], filed.json()["to_fund_id"]) == ("东信社区基金", community["id"])
    paid = await client.post(
        f"/payments/{filed.json()['id']}/approvals", headers=member("acct-street-member")
    )
    assert (paid.status_code, paid.json()["status"]) == (200, "paid")

    assert (await client.get(f"/funds/{street['id']}")).json()["balance_fen"] == 700_000
    assert (await client.get(f"/funds/{community['id']}")).json()["balance_fen"] == 300_000
    [movement] = (await client.get(f"/funds/{community['id']}/ledger")).json()["items"]
    assert (movement["kind"], movement["amount_fen"], movement["source_id"]) == (
        "transfer",
        300_000,
        filed.json()["id"],
    )
    for fund in funds:
        check = (await client.get(f"/funds/{fund['id']}/ledger/check")).json()
        assert check["ok"] is True, check
        assert (await client.get(f"/funds/{fund['id']}/audit/verify")).json()["ok"] is True
    [received] = await outbox.events(type="transfer.received")
    assert received.subject == filed.json()["id"]
    data = funds_event_adapter.validate_python(received.data)
    assert isinstance(data, TransferReceived)
    assert (data.fund_id, data.amount_fen) == (uuid.UUID(community["id"]), 300_000)
    [message] = await outbox.messages(type="transfer.received")
    assert message.subject == "linli.3301.330108.330108001.330108001001.funds.transfer.received"


async def test_transfers_are_refused_beyond_the_balance_or_to_no_fund(
    client: httpx.AsyncClient,
    staff: Headers,
    member: Headers,
    funds: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    street, community = funds
    too_much = await transfer(client, community, street, 100, staff(COMMUNITY))
    refused = await client.post(
        f"/payments/{too_much.json()['id']}/approvals", headers=member("acct-community-member")
    )
    assert (refused.status_code, refused.json()["balance_fen"]) == (409, 0)
    to_self = await transfer(client, street, street, 100, staff(STREET))
    assert (to_self.status_code, to_self.json()["type"].split("/")[-1]) == (422, "invalid-transfer")
    nowhere = {**community, "id": "00000000-0000-0000-0000-000000000000"}
    assert (await transfer(client, street, nowhere, 100, staff(STREET))).status_code == 422
    mixed = await client.post(
        f"/funds/{street['id']}/payments",
        json={
            "kind": "payment",
            "to_fund_id": community["id"],
            "amount_fen": 1,
            "payee": "x",
            "purpose": "y",
        },
        headers=staff(STREET),
    )
    assert mixed.status_code == 422
    assert (await client.get(f"/funds/{street['id']}")).json()["balance_fen"] == 1_000_000


async def test_two_funds_sending_to_each_other_at_once_never_deadlock(
    client: httpx.AsyncClient,
    staff: Headers,
    member: Headers,
    receive_income: IncomeFactory,
    funds: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    street, community = funds
    await receive_income(community, 1_000_000)
    ways = [(street, community, STREET, "acct-street-member")] * 10 + [
        (community, street, COMMUNITY, "acct-community-member")
    ] * 10
    filed = [
        ((await transfer(client, a, b, 1_000, staff(scope))).json()["id"], who)
        for a, b, scope, who in ways
    ]
    answers = await asyncio.gather(
        *(client.post(f"/payments/{pid}/approvals", headers=member(who)) for pid, who in filed)
    )
    assert [a.status_code for a in answers] == [200] * 20
    for fund in funds:
        check = (await client.get(f"/funds/{fund['id']}/ledger/check")).json()
        assert (check["ok"], check["balance_fen"]) == (True, 1_000_000)
        assert (await client.get(f"/funds/{fund['id']}/audit/verify")).json()["ok"] is True
