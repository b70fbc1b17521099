"""Claims (接单) over HTTP: the seeds' story of 6,000 beaded items and 30 residents claiming at
once, never more than is left; the refusals name what is wrong."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from linli.testing import OutboxReader

Json = dict[str, Any]
Headers = dict[str, str]
Factory = Callable[..., Any]


async def test_30_concurrent_claimants_never_over_claim_the_6000_item_order(
    client: httpx.AsyncClient,
    post_order: Factory,
    enrol: Factory,
    resident: Callable[..., Headers],
    engine: AsyncEngine,
    outbox: OutboxReader,
) -> None:
    order = await post_order(quantity=6000, piece_rate_fen=35, batch_size=250)
    claimants = []
    for n in range(30):
        await enrol(f"居民{n}", account_subject=f"res-{n}")
        claimants.append(resident(f"res-{n}"))

    answers = await asyncio.gather(
        *(
            client.post(f"/work-orders/{order['id']}/claims", json={"quantity": 250}, headers=h)
            for h in claimants
        )
    )

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * 24 + [409] * 6
    for refused in (a for a in answers if a.status_code == 409):
        body = refused.json()
        assert body["type"].endswith("/not-enough-left")
        assert body["quantity_left"] == 0
    async with engine.connect() as connection:
        handed = await connection.scalar(
            text("SELECT sum(quantity) FROM tasks WHERE work_order_id = :id"), {"id": order["id"]}
        )
        left = await connection.scalar(
            text("SELECT quantity_left FROM work_orders WHERE id = :id"), {"id": order["id"]}
        )
    assert (handed, left) == (6000, 0)
    claimed = await outbox.data("task.claimed")
    assert len(claimed) == 24
    assert sorted(int(str(e["quantity_left"])) for e in claimed) == list(range(0, 6000, 250))


async def test_a_claim_beyond_the_remainder_is_refused_naming_it(
    client: httpx.AsyncClient, post_order: Factory, enrol: Factory, resident: Callable[..., Headers]
) -> None:
    order = await post_order(quantity=300, batch_size=200)
    await enrol("甲", account_subject="res-a")
    await enrol("乙", account_subject="res-b")
    first = await client.post(
        f"/work-orders/{order['id']}/claims", json={}, headers=resident("res-a")
    )
    assert first.status_code == 201 and first.json()["quantity"] == 200
    too_many = await client.post(
        f"/work-orders/{order['id']}/claims", json={"quantity": 150}, headers=resident("res-b")
    )
    assert too_many.status_code == 409
    assert too_many.json()["quantity_left"] == 100
    assert too_many.json()["detail"] == "150 asked, 100 left"
    # A default batch takes what is left when less than a batch is.
    rest = await client.post(
        f"/work-orders/{order['id']}/claims", json={}, headers=resident("res-b")
    )
    assert rest.json()["quantity"] == 100


async def test_a_claim_outside_the_members_skill_or_before_the_split_is_refused(
    client: httpx.AsyncClient,
    post_order: Factory,
    enrol: Factory,
    resident: Callable[..., Headers],
    coordinator: Headers,
) -> None:
    await enrol("网工", account_subject="res-net", skills=[{"skill": "netting", "level": 3}])
    await enrol("新手", account_subject="res-new", skills=[{"skill": "beading", "level": 1}])
    order = await post_order(quantity=100, min_level=2)
    for subject in ("res-net", "res-new"):
        refused = await client.post(
            f"/work-orders/{order['id']}/claims", json={}, headers=resident(subject)
        )
        assert refused.status_code == 409
        assert refused.json()["type"].endswith("/skill-required")
        assert refused.json()["required_skill"] == "beading"
    await enrol("熟手", account_subject="res-ok")
    not_split = await post_order(quantity=100, batch_size=None)
    early = await client.post(
        f"/work-orders/{not_split['id']}/claims", json={}, headers=resident("res-ok")
    )
    # A pool member cannot see an order before the coop opens it.
    assert early.status_code == 404
    for_member = await client.post(
        f"/work-orders/{not_split['id']}/claims",
        json={
            "member_id": (await client.get("/members/me", headers=resident("res-ok"))).json()["id"]
        },
        headers=coordinator,
    )
    assert for_member.status_code == 409
    assert for_member.json()["type"].endswith("/not-claimable")
    bad = await client.post(
        f"/work-orders/{order['id']}/claims", json={"quantity": 1.5}, headers=resident("res-ok")
    )
    assert bad.status_code == 422
    stranger = await client.post(
        f"/work-orders/{order['id']}/claims", json={}, headers=resident("nobody")
    )
    assert stranger.status_code == 404


async def test_a_retried_claim_with_its_idempotency_key_is_one_claim(
    client: httpx.AsyncClient,
    post_order: Factory,
    enrol: Factory,
    resident: Callable[..., Headers],
    engine: AsyncEngine,
) -> None:
    order = await post_order(quantity=500, batch_size=100)
    await enrol("甲", account_subject="res-a")
    headers = {**resident("res-a"), "Idempotency-Key": "claim-1"}
    path = f"/work-orders/{order['id']}/claims"
    first = await client.post(path, json={}, headers=headers)
    retried = await client.post(path, json={}, headers=headers)
    assert first.status_code == retried.status_code == 201
    assert retried.json()["id"] == first.json()["id"]
    other_body = await client.post(path, json={"quantity": 5}, headers=headers)
    assert other_body.status_code == 422
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM tasks")) == 1
