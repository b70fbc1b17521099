"""Donations over HTTP: an intent, the provider's signed callback posts it once (a replay or a
second delivery changes nothing), forged signatures and wrong amounts are refused, whole fen
only, anonymous donors stay anonymous on the public list, refunds are reversing entries."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from linli.common.auth import Role
from linli.funds.donations.providers import DevelopmentProvider
from linli.testing import OutboxReader
from linli.testing.tokens import TestIssuer

FundFactory = Callable[..., Awaitable[dict[str, Any]]]
Headers = Callable[..., dict[str, str]]


def resident(issuer: TestIssuer, subject: str = "resident-zhang") -> dict[str, str]:
    return issuer.headers(roles=[Role.RESIDENT], scope="330108001001", subject=subject)


async def pledge(
    client: httpx.AsyncClient, issuer: TestIssuer, fund: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    body = {"amount_fen": 100, "donor_name": "张阿姨", **fields}
    response = await client.post(
        f"/funds/{fund['id']}/donations", json=body, headers=resident(issuer)
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def deliver(client: httpx.AsyncClient, body: bytes, signature: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Linli-Signature"] = signature
    return await client.post("/donations/callbacks/dev", content=body, headers=headers)


async def test_a_confirmed_donation_is_posted_once_however_often_the_callback_comes(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    provider: DevelopmentProvider,
    create_fund: FundFactory,
    outbox: OutboxReader,
) -> None:
    fund = await create_fund()
    donation = await pledge(client, issuer, fund)
    assert (donation["status"], donation["amount_fen"]) == ("pending", 100)
    assert donation["pay_url"].endswith(donation["provider_ref"])
    assert (await client.get(f"/funds/{fund['id']}")).json()["balance_fen"] == 0

    body = provider.callback(provider_ref=donation["provider_ref"], amount_fen=100)
    signature = provider.sign(body)
    first = await deliver(client, body, signature)
    assert first.status_code == 200, first.text
    assert first.json()["outcome"] == "posted"

    replays = await asyncio.gather(*(deliver(client, body, signature) for _ in range(5)))
    assert {r.json()["outcome"] for r in replays} == {"unchanged"}

    assert (await client.get(f"/funds/{fund['id']}")).json()["balance_fen"] == 100
    [movement] = (await client.get(f"/funds/{fund['id']}/ledger")).json()["items"]
    assert (movement["kind"], movement["source_id"]) == ("donation", donation["id"])
    assert await outbox.types() == ["fund.created", "donation.pledged", "donation.received"]


async def test_concurrent_first_deliveries_post_once(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    provider: DevelopmentProvider,
    create_fund: FundFactory,
) -> None:
    fund = await create_fund()
    donation = await pledge(client, issuer, fund, amount_fen=5_000)
    body = provider.callback(provider_ref=donation["provider_ref"], amount_fen=5_000)
    answers = await asyncio.gather(*(deliver(client, body, provider.sign(body)) for _ in range(20)))
    assert sorted(a.json()["outcome"] for a in answers) == ["posted"] + ["unchanged"] * 19
    check = (await client.get(f"/funds/{fund['id']}/ledger/check")).json()
    assert (check["ok"], check["balance_fen"], check["entries"]) == (True, 5_000, 1)


async def test_forged_or_mismatched_callbacks_change_nothing(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    provider: DevelopmentProvider,
    create_fund: FundFactory,
) -> None:
    fund = await create_fund()
    donation = await pledge(client, issuer, fund)
    ref = donation["provider_ref"]
    good = provider.callback(provider_ref=ref, amount_fen=100)
    forger = DevelopmentProvider("not-the-key")
    richer = provider.callback(provider_ref=ref, amount_fen=1_000_000)

    cases = [
        (good, None, 403, "invalid-signature"),
        (good, "00" * 32, 403, "invalid-signature"),
        (good, forger.sign(good), 403, "invalid-signature"),
        (richer, provider.sign(good), 403, "invalid-signature"),  # body changed after signing
        (richer, provider.sign(richer), 422, "amount-mismatch"),
        (
            provider.callback(provider_ref="dev_unknown", amount_fen=100),
            provider.sign(provider.callback(provider_ref="dev_unknown", amount_fen=100)),
            404,
            "donation-not-found",
        ),
        (b'{"provider_ref": 1}', provider.sign(b'{"provider_ref": 1}'), 422, "invalid-callback"),
    ]
    for body, signature, status, problem in cases:
        refused = await deliver(client, body, signature)
        assert refused.status_code == status, (problem, refused.text)
        assert refused.json()["type"].endswith("/" + problem)
    assert (await client.get(f"/funds/{fund['id']}")).json()["balance_fen"] == 0

    fraction = json.dumps({"provider_ref": ref, "amount_fen": 100.5, "status": "succeeded"})
    assert (
        await deliver(client, fraction.encode(), provider.sign(fraction.encode()))
    ).status_code == 422


@pytest.mark.parametrize("amount", [0, 0.5, 1.5, 100.0, -100])
async def test_a_donation_of_zero_or_a_fraction_of_a_fen_is_refused(
    client: httpx.AsyncClient, issuer: TestIssuer, create_fund: FundFactory, amount: object
) -> None:
    fund = await create_fund()
    response = await client.post(
        f"/funds/{fund['id']}/donations",
        json={"amount_fen": amount, "donor_name": "张阿姨"},
        headers=resident(issuer),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.amount_fen"


async def test_anonymous_donors_stay_anonymous_and_a_refund_reverses_the_entry(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    staff: Headers,
    provider: DevelopmentProvider,
    create_fund: FundFactory,
    outbox: OutboxReader,
) -> None:
    fund = await create_fund()
    named = await pledge(client, issuer, fund, amount_fen=100, donor_name="张阿姨")
    hidden = await pledge(client, issuer, fund, amount_fen=500, donor_name="李先生", anonymous=True)
    for donation in (named, hidden):
        body = provider.callback(
            provider_ref=donation["provider_ref"], amount_fen=donation["amount_fen"]
        )
        assert (await deliver(client, body, provider.sign(body))).status_code == 200

    public = await client.get(f"/funds/{fund['id']}/donations")
    assert public.status_code == 200
    assert [(d["donor"], d["amount_fen"]) for d in public.json()["items"]] == [
        ("爱心人士", 500),
        ("张阿姨", 100),
    ]
    assert "李先生" not in public.text and "resident-zhang" not in public.text
    for row in await outbox.messages():
        assert "李先生" not in json.dumps(row.payload, ensure_ascii=False)

    refunded = await client.post(f"/donations/{hidden['id']}/refund", headers=staff())
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["status"] == "refunded"
    again = await client.post(f"/donations/{hidden['id']}/refund", headers=staff())
    assert again.status_code == 409
    assert again.json()["type"].endswith("/not-refundable")

    [reversal, *_] = (await client.get(f"/funds/{fund['id']}/ledger")).json()["items"]
    assert (reversal["kind"], reversal["amount_fen"], reversal["reverses_entry_id"]) == (
        "refund",
        -500,
        refunded.json()["entry_id"],
    )
    check = (await client.get(f"/funds/{fund['id']}/ledger/check")).json()
    assert (check["ok"], check["balance_fen"], check["entries"]) == (True, 100, 3)
    # A replayed callback of the refunded donation posts nothing again.
    body = provider.callback(provider_ref=hidden["provider_ref"], amount_fen=500)
    assert (await deliver(client, body, provider.sign(body))).json()["outcome"] == "unchanged"
    assert (await client.get(f"/funds/{fund['id']}")).json()["balance_fen"] == 100
