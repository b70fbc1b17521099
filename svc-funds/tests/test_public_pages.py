"""The public pages: no token needed, cached briefly with an ETag (304 when the client holds the
page, a new tag once money moves), paginated with cursors that cannot be forged."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

FundFactory = Callable[..., Awaitable[dict[str, Any]]]
DonateFactory = Callable[..., Awaitable[dict[str, Any]]]


async def test_pages_carry_an_etag_and_answer_304_until_money_moves(
    client: httpx.AsyncClient, create_fund: FundFactory, donate: DonateFactory
) -> None:
    fund = await create_fund()
    await donate(f"/funds/{fund['id']}/donations", 100)
    for path in (
        f"/funds/{fund['id']}",
        f"/funds/{fund['id']}/ledger",
        f"/funds/{fund['id']}/donations",
        f"/funds/{fund['id']}/payments",
        f"/funds/{fund['id']}/projects",
        f"/funds/{fund['id']}/committee",
        f"/funds/{fund['id']}/reports/2026-12",
        "/funds",
    ):
        page = await client.get(path)
        assert page.status_code == 200, (path, page.text)
        assert page.headers["cache-control"] == "public, max-age=10", path
        tag = page.headers["etag"]
        assert tag.startswith('W/"')
        again = await client.get(path, headers={"If-None-Match": tag})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag), path
        other = await client.get(path, headers={"If-None-Match": 'W/"other", ' + tag[2:]})
        assert other.status_code == 304, path
    # The checks are always fresh.
    check = await client.get(f"/funds/{fund['id']}/ledger/check")
    assert "etag" not in check.headers

    page = await client.get(f"/funds/{fund['id']}")
    await donate(f"/funds/{fund['id']}/donations", 100)
    changed = await client.get(
        f"/funds/{fund['id']}", headers={"If-None-Match": page.headers["etag"]}
    )
    assert changed.status_code == 200
    assert changed.json()["balance_fen"] == 200
    assert changed.headers["etag"] != page.headers["etag"]
    missing = await client.get("/funds/00000000-0000-0000-0000-000000000000")
    assert (missing.status_code, missing.headers.get("etag")) == (404, None)


async def test_every_donation_appears_once_across_the_pages(
    client: httpx.AsyncClient, create_fund: FundFactory, donate: DonateFactory
) -> None:
    fund = await create_fund()
    for i in range(12):
        await donate(f"/funds/{fund['id']}/donations", 100 + i, subject=f"r-{i}")
    seen: list[int] = []
    movements: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 5}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(f"/funds/{fund['id']}/donations", params=params)).json()
        seen += [d["amount_fen"] for d in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert sorted(seen) == list(range(100, 112))
    cursor = None
    while True:
        params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(f"/funds/{fund['id']}/ledger", params=params)).json()
        movements += [m["line_id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(movements) == len(set(movements)) == 12


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "forged"},
        {"cursor": "eyJ2IjpbMV19"},  # base64 of a cursor we never gave
        {"limit": 0},
        {"limit": 100_000},
        {"limit": "１０"},
        {"unknown": "1"},
    ],
)
async def test_bad_paging_is_refused(
    client: httpx.AsyncClient, create_fund: FundFactory, params: dict[str, Any]
) -> None:
    fund = await create_fund()
    for path in (f"/funds/{fund['id']}/donations", f"/funds/{fund['id']}/ledger", "/funds"):
        answer = await client.get(path, params=params)
        assert answer.status_code == 422, (path, params, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
