"""Work orders over HTTP: an enterprise with an agreement in force posts piece-work at an
integer piece rate; the cooperative splits it; who sees what."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from linli.testing import OutboxReader
from linli.testing.tokens import TestIssuer

Json = dict[str, Any]
Headers = dict[str, str]
Factory = Callable[..., Any]


def order_body(**fields: Any) -> Json:
    return {
        "item": "串珠手链",
        "quantity": 6000,
        "piece_rate_fen": 35,
        "deadline": (date.today() + timedelta(days=20)).isoformat(),
        "required_skill": "beading",
        "pickup_site": "东冠社区邻里中心二楼",
        "quality_standard": "珠子无松动",
        **fields,
    }


async def test_an_enterprise_posts_and_the_coop_splits(
    client: httpx.AsyncClient,
    enterprise: Json,
    coordinator: Headers,
    resident: Callable[..., Headers],
    enrol: Factory,
    outbox: OutboxReader,
) -> None:
    posted = await client.post("/work-orders", json=order_body(), headers=enterprise["headers"])
    assert posted.status_code == 201, posted.text
    order = posted.json()
    assert order["status"] == "posted" and order["quantity_left"] == 6000
    assert order["community_code"] == "330108001001"
    # A pool member sees orders only once they are open.
    await enrol("李娟", account_subject="res-li")
    member = resident("res-li")
    assert (await client.get(f"/work-orders/{order['id']}", headers=member)).status_code == 404

    split = await client.post(
        f"/work-orders/{order['id']}/split", json={"batch_size": 250}, headers=coordinator
    )
    assert split.status_code == 200 and split.json()["status"] == "open"
    listed = (await client.get("/work-orders", headers=member)).json()["items"]
    assert [o["id"] for o in listed] == [order["id"]]
    assert await outbox.types() == [
        "enterprise.registered",
        "enterprise.account_linked",
        "agreement.signed",
        "work_order.posted",
        "worker.enrolled",
        "work_order.split",
    ]
    [split_event] = await outbox.data("work_order.split")
    assert split_event["batches"] == 24
    # The enterprise cannot split; nor cancel once open with nothing handed out... it can.
    assert (
        await client.post(
            f"/work-orders/{order['id']}/split",
            json={"batch_size": 10},
            headers=enterprise["headers"],
        )
    ).status_code == 403
    cancelled = await client.post(
        f"/work-orders/{order['id']}/cancel", headers=enterprise["headers"]
    )
    assert cancelled.json()["status"] == "cancelled"


async def test_bad_piece_rates_and_fields_are_refused_and_change_nothing(
    client: httpx.AsyncClient, enterprise: Json, engine: AsyncEngine
) -> None:
    for fields, field in (
        ({"piece_rate_fen": 0}, "body.piece_rate_fen"),
        ({"piece_rate_fen": 12.5}, "body.piece_rate_fen"),
        ({"piece_rate_fen": 35.0}, "body.piece_rate_fen"),
        ({"piece_rate_fen": "35"}, "body.piece_rate_fen"),
        ({"piece_rate_fen": -3}, "body.piece_rate_fen"),
        ({"quantity": 0}, "body.quantity"),
        ({"item": "x" * 101}, "body.item"),
        ({"required_skill": "串珠"}, "body.required_skill"),
        ({"deadline": "2026-02-30"}, "body.deadline"),
    ):
        response = await client.post(
            "/work-orders", json=order_body(**fields), headers=enterprise["headers"]
        )
        assert response.status_code == 422, (fields, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field], response.text
    past = await client.post(
        "/work-orders",
        json=order_body(deadline=(date.today() - timedelta(days=2)).isoformat()),
        headers=enterprise["headers"],
    )
    assert past.status_code == 422
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM work_orders")) == 0


async def test_only_a_linked_enterprise_with_an_agreement_in_force_posts(
    client: httpx.AsyncClient, coordinator: Headers, issuer: TestIssuer, new_enterprise: Factory
) -> None:
    without = await new_enterprise(name="无协议渔网厂", agreement=False)
    refused = await client.post("/work-orders", json=order_body(), headers=without["headers"])
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/no-agreement-in-force")
    unlinked = issuer.headers(roles=["enterprise"], scope="330108001001", subject="stranger")
    assert (
        await client.post("/work-orders", json=order_body(), headers=unlinked)
    ).status_code == 403
    assert (
        await client.post("/work-orders", json=order_body(), headers=coordinator)
    ).status_code == 403


async def test_an_enterprise_sees_only_its_own_orders(
    client: httpx.AsyncClient, enterprise: Json, coordinator: Headers, new_enterprise: Factory
) -> None:
    other = await new_enterprise(name="滨江渔网厂")
    mine = (
        await client.post("/work-orders", json=order_body(), headers=enterprise["headers"])
    ).json()
    assert (
        await client.get(f"/work-orders/{mine['id']}", headers=other["headers"])
    ).status_code == 404
    assert (await client.get("/work-orders", headers=other["headers"])).json()["items"] == []
    linked_twice = await client.put(
        f"/enterprises/{other['id']}/accounts/enterprise-{enterprise['id']}", headers=coordinator
    )
    assert linked_twice.status_code == 409
