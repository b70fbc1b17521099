"""Receipts: numbered without gaps per fund and year when the provider confirms (concurrent
confirmations take consecutive numbers, a refused one takes none), and a printable page for the
donor and the fund's staff only."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from linli.common.auth import Role
from linli.funds.donations.providers import DevelopmentProvider
from linli.testing.tokens import TestIssuer

FundFactory = Callable[..., Awaitable[dict[str, Any]]]
DonateFactory = Callable[..., Awaitable[dict[str, Any]]]
Headers = Callable[..., dict[str, str]]
YEAR = datetime.now(ZoneInfo("Asia/Shanghai")).year


def resident(issuer: TestIssuer, subject: str = "resident-zhang") -> dict[str, str]:
    return issuer.headers(roles=[Role.RESIDENT], scope="330108001001", subject=subject)


async def test_concurrent_confirmations_take_consecutive_numbers(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    provider: DevelopmentProvider,
    create_fund: FundFactory,
    donate: DonateFactory,
) -> None:
    fund = await create_fund()
    other = await create_fund(name="东信青少年基金", kind="special")
    pledges = []
    for i in range(20):
        answer = await client.post(
            f"/funds/{fund['id']}/donations",
            json={"amount_fen": 100 + i, "donor_name": f"{i}号"},
            headers=resident(issuer),
        )
        pledges.append(answer.json())
    # A callback with the wrong amount is refused and must not take a number.
    wrong = provider.callback(provider_ref=pledges[0]["provider_ref"], amount_fen=1)
    headers = {"Content-Type": "application/json"}
    refused = await client.post(
        "/donations/callbacks/dev",
        content=wrong,
        headers={**headers, "X-Linli-Signature": provider.sign(wrong)},
    )
    assert refused.status_code == 422

    async def confirm(pledge: dict[str, Any]) -> None:
        body = provider.callback(
            provider_ref=pledge["provider_ref"], amount_fen=pledge["amount_fen"]
        )
        answer = await client.post(
            "/donations/callbacks/dev",
            content=body,
            headers={**headers, "X-Linli-Signature": provider.sign(body)},
        )
        assert answer.status_code == 200, answer.text

    await asyncio.gather(*(confirm(p) for p in pledges))
    listed = (await client.get(f"/funds/{fund['id']}/donations", params={"limit": 100})).json()
    numbers = sorted(d["receipt_no"] for d in listed["items"])
    assert numbers == [f"{YEAR}-{n:06d}" for n in range(1, 21)]
    first_elsewhere = await donate(f"/funds/{other['id']}/donations", 100)
    [elsewhere] = (await client.get(f"/funds/{other['id']}/donations")).json()["items"]
    assert (elsewhere["id"], elsewhere["receipt_no"]) == (first_elsewhere["id"], f"{YEAR}-000001")


async def test_the_receipt_page_is_the_donors_and_staffs(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    staff: Headers,
    create_fund: FundFactory,
    donate: DonateFactory,
) -> None:
    fund = await create_fund()
    name = '<script>alert("x")</script>王'
    donation = await donate(
        f"/funds/{fund['id']}/donations", 123_456, donor_name=name, anonymous=True
    )
    path = f"/donations/{donation['id']}/receipt"

    page = await client.get(path, headers=resident(issuer))
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "private, no-store"
    assert f"No. {YEAR}-000001" in page.text
    assert "¥1234.56" in page.text and "东信社区基金" in page.text
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert (await client.get(path, headers=staff())).status_code == 200

    assert (await client.get(path, headers=resident(issuer, "someone-else"))).status_code == 404
    assert (await client.get(path, headers=staff("330108002001"))).status_code == 404
    assert (await client.get(path)).status_code == 401
    pending = await client.post(
        f"/funds/{fund['id']}/donations",
        json={"amount_fen": 100, "donor_name": "李"},
        headers=resident(issuer),
    )
    early = await client.get(f"/donations/{pending.json()['id']}/receipt", headers=resident(issuer))
    assert (early.status_code, early.json()["type"].split("/")[-1]) == (409, "no-receipt-yet")
