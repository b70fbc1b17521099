"""The seeds' story end to end over HTTP: an enterprise posts 6,000 beaded items; residents
claim batches; pick-up and deliveries are recorded; quality checks reject some (with reasons),
which are re-worked; the month's statements pay exactly accepted × rate and add up to the
enterprise's total; an issued statement cannot be changed, not even in the database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from linli.jobs_coop import clock
from linli.testing import OutboxReader

Json = dict[str, Any]
Headers = dict[str, str]
Factory = Callable[..., Any]
RATE = 35


def this_month() -> str:
    return f"{clock.today():%Y-%m}"


def last_month() -> str:
    first = clock.today().replace(day=1)
    previous = (
        date(first.year - 1, 12, 1) if first.month == 1 else first.replace(month=first.month - 1)
    )
    return f"{previous:%Y-%m}"


async def deliver_and_inspect(
    client: httpx.AsyncClient,
    task: Json,
    *,
    delivered: int,
    accepted: int,
    rejected: int,
    member: Headers,
    inspector: Headers,
) -> Json:
    delivery = await client.post(
        f"/tasks/{task['id']}/deliveries", json={"quantity": delivered}, headers=member
    )
    assert delivery.status_code == 201, delivery.text
    inspection = await client.post(
        f"/deliveries/{delivery.json()['id']}/inspection",
        json={
            "accepted": accepted,
            "rejected": rejected,
            "reasons": ["扣头松动"] if rejected else [],
        },
        headers=inspector,
    )
    assert inspection.status_code == 201, inspection.text
    result: Json = inspection.json()
    return result


async def test_the_seeds_story_pays_exactly_and_adds_up(
    client: httpx.AsyncClient,
    post_order: Factory,
    enrol: Factory,
    resident: Callable[..., Headers],
    coordinator: Headers,
    enterprise: Json,
    outbox: OutboxReader,
    engine: AsyncEngine,
) -> None:
    order = await post_order(quantity=6000, piece_rate_fen=RATE, batch_size=1000)
    members, tasks = [], []
    for n in range(6):
        member = await enrol(f"居民{n}", account_subject=f"res-{n}")
        headers = resident(f"res-{n}")
        claimed = await client.post(f"/work-orders/{order['id']}/claims", json={}, headers=headers)
        assert claimed.status_code == 201, claimed.text
        members.append((member, headers))
        tasks.append(claimed.json())
    picked = await client.post(f"/tasks/{tasks[0]['id']}/pickup", headers=coordinator)
    assert picked.json()["status"] == "in_progress"

    # Worker n delivers everything; the enterprise rejects 10 × n pieces, later re-worked.
    accepted_by_member = {}
    for n, ((member, headers), task) in enumerate(zip(members, tasks, strict=True)):
        first = await deliver_and_inspect(
            client,
            task,
            delivered=1000,
            accepted=1000 - 10 * n,
            rejected=10 * n,
            member=headers,
            inspector=enterprise["headers"],
        )
        assert first["amount_fen"] == (1000 - 10 * n) * RATE
        if n:
            state = (await client.get(f"/tasks/{task['id']}", headers=headers)).json()
            assert state["at_home"] == 10 * n
            rework = await deliver_and_inspect(
                client,
                task,
                delivered=10 * n,
                accepted=10 * n,
                rejected=0,
                member=headers,
                inspector=coordinator,
            )
            assert rework["accepted"] == 10 * n
        accepted_by_member[member["id"]] = 1000
    finished = (await client.get(f"/work-orders/{order['id']}", headers=coordinator)).json()
    assert finished["status"] == "completed"
    assert finished["progress"]["accepted"] == 6000
    assert finished["progress"]["rejected"] == sum(10 * n for n in range(6))

    issued = await client.post(
        "/statement-runs",
        json={"community_code": "330108001001", "month": this_month()},
        headers=coordinator,
    )
    assert issued.status_code == 201, issued.text
    run = issued.json()
    assert run["balanced"] is True
    assert (
        run["total_fen"] == run["workers_total_fen"] == run["enterprises_total_fen"] == 6000 * RATE
    )
    workers = [s for s in run["statements"] if s["kind"] == "worker"]
    [bill] = [s for s in run["statements"] if s["kind"] == "enterprise"]
    assert {s["member_id"]: s["total_fen"] for s in workers} == {
        m: a * RATE for m, a in accepted_by_member.items()
    }
    assert sum(s["total_fen"] for s in workers) == bill["total_fen"]
    assert bill["enterprise_id"] == enterprise["id"] and bill["accepted"] == 6000

    # Each worker reads their own pay with its lines; the enterprise its bill.
    member, headers = members[3]
    own = (await client.get("/statements", headers=headers)).json()["items"]
    assert [s["member_id"] for s in own] == [member["id"]]
    detail = (await client.get(f"/statements/{own[0]['id']}", headers=headers)).json()
    assert [(line["accepted"], line["amount_fen"]) for line in detail["lines"]] == [
        (970, 970 * RATE),
        (30, 30 * RATE),
    ]
    theirs = (await client.get("/statements", headers=enterprise["headers"])).json()["items"]
    assert [s["id"] for s in theirs] == [bill["id"]]
    assert (
        await client.get(f"/statements/{own[0]['id']}", headers=members[0][1])
    ).status_code == 404

    # Issued once; never edited, not through the API and not in the database.
    again = await client.post(
        "/statement-runs",
        json={"community_code": "330108001001", "month": this_month()},
        headers=coordinator,
    )
    assert again.status_code == 409
    for method in ("PATCH", "DELETE"):
        refused = await client.request(method, f"/statements/{bill['id']}", headers=coordinator)
        assert refused.status_code == 409
        assert refused.json()["type"].endswith("/statement-immutable")
    for statement in (
        "UPDATE statements SET total_fen = total_fen + 1",
        "DELETE FROM statement_lines",
        "UPDATE statement_runs SET total_fen = 0",
    ):
        with pytest.raises(DBAPIError, match="immutable"):
            async with engine.begin() as connection:
                await connection.execute(text(statement))
    events = await outbox.data("statement.issued")
    assert sorted(str(e["kind"]) for e in events) == ["enterprise"] + ["worker"] * 6
    assert sum(int(str(e["total_fen"])) for e in events if e["kind"] == "worker") == 6000 * RATE


async def test_inspections_refuse_more_than_delivered_and_rejects_without_reasons(
    client: httpx.AsyncClient,
    post_order: Factory,
    enrol: Factory,
    resident: Callable[..., Headers],
    coordinator: Headers,
    engine: AsyncEngine,
) -> None:
    await enrol("甲", account_subject="res-a")
    order = await post_order(quantity=100, batch_size=100)
    me = resident("res-a")
    task = (await client.post(f"/work-orders/{order['id']}/claims", json={}, headers=me)).json()
    too_many = await client.post(
        f"/tasks/{task['id']}/deliveries", json={"quantity": 101}, headers=me
    )
    assert too_many.status_code == 409 and too_many.json()["at_home"] == 100
    delivery = (
        await client.post(f"/tasks/{task['id']}/deliveries", json={"quantity": 60}, headers=me)
    ).json()
    path = f"/deliveries/{delivery['id']}/inspection"
    over = await client.post(
        path, json={"accepted": 50, "rejected": 11, "reasons": ["脏污"]}, headers=coordinator
    )
    assert over.status_code == 409
    assert over.json()["type"].endswith("/more-than-delivered") and over.json()["delivered"] == 60
    no_reason = await client.post(path, json={"accepted": 50, "rejected": 10}, headers=coordinator)
    assert no_reason.status_code == 422
    own = await client.post(path, json={"accepted": 60}, headers=me)
    assert own.status_code == 403
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM inspections")) == 0
    # 50 accepted, 5 rejected, 5 not judged: 10 go back with the 40 never delivered.
    done = await client.post(
        path, json={"accepted": 50, "rejected": 5, "reasons": ["长度不足"]}, headers=coordinator
    )
    assert done.json()["returned"] == 5
    assert (await client.post(path, json={"accepted": 1}, headers=coordinator)).status_code == 409
    state = (await client.get(f"/tasks/{task['id']}", headers=me)).json()
    assert (state["at_home"], state["accepted"], state["awaiting_inspection"]) == (50, 50, 0)


async def test_corrections_are_adjustments_settled_on_both_sides(
    client: httpx.AsyncClient,
    post_order: Factory,
    enrol: Factory,
    resident: Callable[..., Headers],
    coordinator: Headers,
    enterprise: Json,
    outbox: OutboxReader,
) -> None:
    member = await enrol("甲", account_subject="res-a")
    me = resident("res-a")
    order = await post_order(quantity=100, batch_size=100, piece_rate_fen=50)
    task = (await client.post(f"/work-orders/{order['id']}/claims", json={}, headers=me)).json()
    await deliver_and_inspect(
        client, task, delivered=100, accepted=80, rejected=20, member=me, inspector=coordinator
    )
    earlier = await client.post(
        "/statement-runs",
        json={"community_code": "330108001001", "month": last_month()},
        headers=coordinator,
    )
    assert earlier.status_code == 201 and earlier.json()["statements"] == []
    # 10 of the rejected pieces were fine after all: +500 fen, on both sides.
    body = {
        "member_id": member["id"],
        "work_order_id": order["id"],
        "amount_fen": 500,
        "reason": "复检 10 件合格，补发",
    }
    adjusted = await client.post("/adjustments", json=body, headers=coordinator)
    assert adjusted.status_code == 201, adjusted.text
    for bad in ({"amount_fen": 0}, {"amount_fen": 1.5}, {"reason": ""}):
        assert (
            await client.post("/adjustments", json={**body, **bad}, headers=coordinator)
        ).status_code == 422
    run = (
        await client.post(
            "/statement-runs",
            json={"community_code": "330108001001", "month": this_month()},
            headers=coordinator,
        )
    ).json()
    assert run["total_fen"] == 80 * 50 + 500
    assert run["balanced"] is True
    future = await client.post(
        "/statement-runs",
        json={"community_code": "330108001001", "month": "2099-01"},
        headers=coordinator,
    )
    assert future.status_code == 409
    for month in ("2026-13", "26-01", "２０２６-１１"):
        wrong = await client.post(
            "/statement-runs",
            json={"community_code": "330108001001", "month": month},
            headers=coordinator,
        )
        assert wrong.status_code == 422, month
    assert len(await outbox.data("adjustment.recorded")) == 1


async def test_concurrent_issues_of_a_month_settle_each_inspection_once(
    client: httpx.AsyncClient,
    post_order: Factory,
    enrol: Factory,
    resident: Callable[..., Headers],
    coordinator: Headers,
    staff: Callable[[str], Headers],
    engine: AsyncEngine,
) -> None:
    await enrol("甲", account_subject="res-a")
    me = resident("res-a")
    order = await post_order(quantity=100, batch_size=100)
    task = (await client.post(f"/work-orders/{order['id']}/claims", json={}, headers=me)).json()
    await deliver_and_inspect(
        client, task, delivered=100, accepted=100, rejected=0, member=me, inspector=coordinator
    )
    body = {"community_code": "330108001001", "month": this_month()}
    answers = await asyncio.gather(
        *(
            client.post("/statement-runs", json=body, headers=h)
            for h in [coordinator, staff("330108001")] * 4
        )
    )
    assert sorted(a.status_code for a in answers) == [201] + [409] * 7
    async with engine.connect() as connection:
        lines = await connection.scalar(text("SELECT count(*) FROM statement_lines"))
    assert lines == 2  # the inspection once on the worker's side, once on the enterprise's
