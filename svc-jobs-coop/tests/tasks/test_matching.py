"""Matching over HTTP: a coordinator's match never offers work to someone outside their
availability window, without the skill at the order's level, or working elsewhere; and it
spreads batches across the eligible people instead of giving them all to the first."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from linli.jobs_coop.clock import SHANGHAI

Json = dict[str, Any]
Headers = dict[str, str]
Factory = Callable[..., Any]

# A school-day morning: Monday 7 December 2026, 10:00 in Shanghai.
MONDAY_10 = datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)
WEEKEND = [{"weekday": 6, "start_minute": 480, "end_minute": 1080}]
EVENINGS = [{"weekday": d, "start_minute": 1140, "end_minute": 1320} for d in range(1, 6)]


async def test_matching_offers_only_the_eligible_and_spreads_the_work(
    client: httpx.AsyncClient, post_order: Factory, enrol: Factory, coordinator: Headers
) -> None:
    eligible = {(await enrol(f"合格{n}"))["id"] for n in range(4)}
    excluded = {
        (await enrol("周末", availability=WEEKEND))["id"],
        (await enrol("晚上", availability=EVENINGS))["id"],
        (await enrol("织网", skills=[{"skill": "netting", "level": 5}]))["id"],
        (await enrol("新手", skills=[{"skill": "beading", "level": 1}]))["id"],
        (await enrol("到岗", work_mode="on_site"))["id"],
    }
    order = await post_order(quantity=2000, batch_size=100, min_level=2)
    at = MONDAY_10.isoformat()

    offered = await client.get(
        f"/work-orders/{order['id']}/candidates", params={"at": at}, headers=coordinator
    )
    assert {c["member_id"] for c in offered.json()} == eligible

    matched = []
    for _ in range(4):
        answer = await client.post(
            f"/work-orders/{order['id']}/matches", json={"at": at}, headers=coordinator
        )
        assert answer.status_code == 201, answer.text
        matched.append(answer.json()["member_id"])
    # One batch each before anyone gets a second; nobody outside the rule.
    assert set(matched) == eligible
    nobody = await client.post(
        f"/work-orders/{order['id']}/matches", json={"at": at}, headers=coordinator
    )
    assert nobody.status_code == 409
    assert nobody.json()["type"].endswith("/no-eligible-member")
    # Sunday at 10:00 nobody is available, not even the eligible.
    sunday = await client.post(
        f"/work-orders/{order['id']}/matches",
        json={"at": (MONDAY_10 - timedelta(days=1)).isoformat()},
        headers=coordinator,
    )
    assert sunday.status_code == 409
    assert not excluded & set(matched)


async def test_fair_share_goes_to_whoever_had_the_least_recent_work(
    client: httpx.AsyncClient, post_order: Factory, enrol: Factory, coordinator: Headers
) -> None:
    members = [(await enrol(f"成员{n}"))["id"] for n in range(3)]
    at = MONDAY_10.isoformat()
    handed: Counter[str] = Counter()
    # Nine one-batch orders matched in turn: the batches go round, three each.
    for _ in range(9):
        order = await post_order(quantity=50, batch_size=50)
        answer = await client.post(
            f"/work-orders/{order['id']}/matches", json={"at": at}, headers=coordinator
        )
        handed[answer.json()["member_id"]] += 1
    assert handed == Counter({m: 3 for m in members})
    # A dearer batch weighs more: after a 50 × 100-fen batch, the next two go to the others.
    pricey = await post_order(quantity=50, batch_size=50, piece_rate_fen=100)
    first = (
        await client.post(
            f"/work-orders/{pricey['id']}/matches", json={"at": at}, headers=coordinator
        )
    ).json()["member_id"]
    following = []
    for _ in range(2):
        order = await post_order(quantity=50, batch_size=50)
        following.append(
            (
                await client.post(
                    f"/work-orders/{order['id']}/matches", json={"at": at}, headers=coordinator
                )
            ).json()["member_id"]
        )
    assert first not in following and len(set(following)) == 2


async def test_only_coordinators_match(
    client: httpx.AsyncClient,
    post_order: Factory,
    enrol: Factory,
    enterprise: Json,
    staff: Callable[[str], Headers],
) -> None:
    await enrol()
    order = await post_order()
    assert (
        await client.post(
            f"/work-orders/{order['id']}/matches", json={}, headers=enterprise["headers"]
        )
    ).status_code == 403
    assert (
        await client.post(
            f"/work-orders/{order['id']}/matches", json={}, headers=staff("330108002001")
        )
    ).status_code == 404
    bad_time = await client.get(
        f"/work-orders/{order['id']}/candidates",
        params={"at": "tomorrow"},
        headers=staff("330108001001"),
    )
    assert bad_time.status_code == 422


async def test_a_window_holds_its_start_minute_not_its_end_and_is_shanghai_time(
    client: httpx.AsyncClient, post_order: Factory, enrol: Factory, coordinator: Headers
) -> None:
    member = await enrol(
        "上午", availability=[{"weekday": 1, "start_minute": 540, "end_minute": 900}]
    )
    order = await post_order(quantity=100)
    path = f"/work-orders/{order['id']}/candidates"
    for moment, offered in (
        (MONDAY_10.replace(hour=9), True),
        (MONDAY_10.replace(hour=14, minute=59), True),
        (MONDAY_10.replace(hour=15), False),
        (MONDAY_10.replace(hour=8, minute=59), False),
        # 02:00 UTC is 10:00 in Shanghai: inside the window.
        (MONDAY_10.astimezone(UTC), True),
        # 10:00 UTC is 18:00 in Shanghai: outside.
        (MONDAY_10.replace(tzinfo=UTC), False),
    ):
        answer = await client.get(path, params={"at": moment.isoformat()}, headers=coordinator)
        assert ([c["member_id"] for c in answer.json()] == [member["id"]]) is offered, moment
    naive = await client.get(path, params={"at": "2026-12-07T10:00:00"}, headers=coordinator)
    assert naive.status_code == 422


async def test_on_site_work_is_offered_only_while_its_micro_factory_is_open(
    client: httpx.AsyncClient, post_order: Factory, enrol: Factory, coordinator: Headers
) -> None:
    every_day = [{"weekday": d, "start_minute": 480, "end_minute": 1200} for d in range(1, 8)]
    member = await enrol("到岗", work_mode="on_site", availability=every_day)
    factory = await client.post(
        "/micro-factories",
        json={
            "community_code": "330108001001",
            "name": "共富微工厂",
            "site": "邻里中心二楼",
            "capacity": 20,
            "open_weekdays": "12345",
            "opens_at": "09:00:00",
            "closes_at": "17:00:00",
        },
        headers=coordinator,
    )
    assert factory.status_code == 201, factory.text
    order = await post_order(quantity=100, work_mode="on_site", factory_id=factory.json()["id"])
    path = f"/work-orders/{order['id']}/candidates"
    for moment, offered in (
        (MONDAY_10, True),
        (MONDAY_10.replace(hour=17), False),
        (MONDAY_10 - timedelta(days=1), False),  # Sunday: closed
    ):
        answer = await client.get(path, params={"at": moment.isoformat()}, headers=coordinator)
        assert ([c["member_id"] for c in answer.json()] == [member["id"]]) is offered, moment


async def test_opening_hours_with_a_utc_offset_are_refused_and_nothing_stored(
    client: httpx.AsyncClient, coordinator: Headers
) -> None:
    body = {
        "community_code": "330108001001",
        "name": "时区微工厂",
        "site": "邻里中心三楼",
        "capacity": 5,
        "opens_at": "09:00:00+08:00",
    }
    answer = await client.post("/micro-factories", json=body, headers=coordinator)
    listed = await client.get("/micro-factories", headers=coordinator)

    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "body.opens_at"
    assert "时区微工厂" not in listed.text
