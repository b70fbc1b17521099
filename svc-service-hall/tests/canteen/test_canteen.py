"""The elderly canteen: the subsidised price to the fen, the cut-off named, exact refunds, the
kitchen's count and stored value under bursts, and the day closed into svc-funds' contract."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.timers import TimerPoller
from linli.service_hall.calendar import SHANGHAI
from linli.service_hall.canteen.timers import CLOSE_DAY_TIMER
from linli.service_hall.models import AccountEntry, Dish, StoredValueAccount
from linli.testing import OutboxReader

Maker = Any
# Fixtures of canteen/conftest.py (a conftest cannot be imported under importlib mode).
Clock = Any
SiteMaker = Any
Sessions = async_sessionmaker[AsyncSession]
# Monday 7 December 2026, 10:00 in Shanghai; orders for Tuesday close tonight at 20:00.
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)
TUESDAY = date(2026, 12, 8)


async def _menu(
    client: httpx.AsyncClient,
    site: dict[str, Any],
    headers: dict[str, str],
    *,
    day: date = TUESDAY,
    meal: str = "lunch",
    dishes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    answer = await client.post(
        f"/canteen/sites/{site['id']}/menus",
        json={
            "business_date": day.isoformat(),
            "meal": meal,
            "dishes": dishes
            or [
                {"name": "红烧肉套餐", "base_price_fen": 1500, "cost_fen": 900, "portions": 50},
                {"name": "紫菜蛋汤", "base_price_fen": 300, "cost_fen": 100, "portions": 50},
            ],
        },
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    menu: dict[str, Any] = answer.json()
    return menu


async def _top_up(
    client: httpx.AsyncClient,
    site: dict[str, Any],
    resident: Any,
    amount: Any,
    headers: dict[str, str],
) -> httpx.Response:
    return await client.post(
        "/canteen/top-ups",
        json={
            "site_id": site["id"],
            "resident_id": str(resident.resident_id),
            "amount_fen": amount,
        },
        headers=headers,
    )


def _order(menu: dict[str, Any], *quantities: int, **extra: Any) -> dict[str, Any]:
    items = [
        {"dish_id": d["id"], "quantity": q}
        for d, q in zip(menu["dishes"], quantities, strict=False)
        if q
    ]
    return {"menu_id": menu["id"], "items": items, **extra}


async def _ledger(sessionmaker: Sessions, site_id: str, resident_id: uuid.UUID) -> tuple[int, int]:
    async with sessionmaker() as session:
        account = await session.scalar(
            select(StoredValueAccount).where(
                StoredValueAccount.site_id == uuid.UUID(site_id),
                StoredValueAccount.resident_id == resident_id,
            )
        )
        assert account is not None
        total = await session.scalar(
            select(func.coalesce(func.sum(AccountEntry.amount_fen), 0)).where(
                AccountEntry.account_id == account.id
            )
        )
        return account.balance_fen, int(total or 0)


async def test_a_living_alone_elder_pays_the_subsidised_price_and_the_day_closes_for_funds(
    client: httpx.AsyncClient,
    clock: Clock,
    make_site: SiteMaker,
    make_resident: Maker,
    worker: dict[str, str],
    community_code: str,
    sessionmaker: Sessions,
    outbox: OutboxReader,
) -> None:
    clock.now = MONDAY
    site = await make_site()
    lunch = await _menu(client, site, worker)
    dishes = [{"name": "清蒸鱼套餐", "base_price_fen": 1200, "cost_fen": 700, "portions": 20}]
    dinner = await _menu(client, site, worker, meal="dinner", dishes=dishes)
    assert lunch["order_cutoff"] == "2026-12-07T20:00:00+08:00"
    elder = await make_resident(
        community_code=community_code, tags=("living_alone",), birth_year=1940
    )
    young = await make_resident(community_code=community_code)

    topped = await _top_up(client, site, elder, 5000, worker)
    assert topped.status_code == 201 and topped.json()["balance_fen"] == 5000
    # 1800 base − (300 elderly 60+ + 200 80+ + 500 living alone) − 5 % of the 800 left = 760.
    first = await client.post("/canteen/orders", json=_order(lunch, 1, 1), headers=elder.headers)
    assert first.status_code == 201, first.text
    order = first.json()
    assert (order["base_fen"], order["subsidy_fen"], order["discount_fen"], order["price_fen"]) == (
        1800,
        1000,
        40,
        760,
    )
    assert order["subsidy_tags"] == ["elderly_60", "elderly_80", "living_alone"]
    # The daily cap (1000) is spent: dinner gets no subsidy, only the discount.
    second = (
        await client.post("/canteen/orders", json=_order(dinner, 1), headers=elder.headers)
    ).json()
    assert (second["subsidy_fen"], second["discount_fen"], second["price_fen"]) == (0, 60, 1140)
    # Cash, no tags: the base price.
    cash = await client.post(
        "/canteen/orders", json=_order(lunch, 1, 1, payment="cash"), headers=young.headers
    )
    assert cash.status_code == 201 and cash.json()["price_fen"] == 1800
    account = (
        await client.get(f"/canteen/sites/{site['id']}/account", headers=elder.headers)
    ).json()
    assert account["balance_fen"] == 5000 - 760 - 1140
    assert [e["amount_fen"] for e in account["entries"]] == [-1140, -760, 5000]

    # Cancellation before the cut-off refunds exactly and gives the cap back to the next order.
    cancelled = await client.post(f"/canteen/orders/{order['id']}/cancel", headers=elder.headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert await _ledger(sessionmaker, site["id"], elder.resident_id) == (3860, 3860)
    [event] = [e for e in await outbox.data("meal_order.cancelled") if e["order_id"] == order["id"]]
    assert (event["refunded_fen"], event["subsidy_returned_fen"]) == (760, 1000)
    again = (
        await client.post("/canteen/orders", json=_order(lunch, 1, 1), headers=elder.headers)
    ).json()
    assert again["subsidy_fen"] == 1000 and again["price_fen"] == 760
    assert await _ledger(sessionmaker, site["id"], elder.resident_id) == (3100, 3100)
    mine = (await client.get("/canteen/orders", headers=elder.headers)).json()
    assert [(o["id"], o["status"]) for o in mine["items"]] == [
        (again["id"], "placed"),
        (second["id"], "placed"),
        (order["id"], "cancelled"),
    ]

    # At 20:00 the day before, ordering and cancelling close; the refusal names the cut-off.
    clock.now = datetime(2026, 12, 7, 20, 0, tzinfo=SHANGHAI)
    late = await client.post("/canteen/orders", json=_order(lunch, 1), headers=young.headers)
    assert late.status_code == 409 and late.json()["type"].endswith("/ordering-closed")
    assert "2026-12-07 20:00" in late.json()["detail"]
    late_cancel = await client.post(f"/canteen/orders/{second['id']}/cancel", headers=elder.headers)
    assert late_cancel.status_code == 409 and "2026-12-07 20:00" in late_cancel.json()["detail"]

    kitchen = (await client.get(f"/canteen/sites/{site['id']}/kitchen", headers=worker)).json()
    assert kitchen["business_date"] == "2026-12-08"
    assert {(d["meal"], d["name"]): d["ordered"] for d in kitchen["dishes"]} == {
        ("lunch", "红烧肉套餐"): 2,
        ("lunch", "紫菜蛋汤"): 2,
        ("dinner", "清蒸鱼套餐"): 1,
    }

    # The day: takings 760 + 1140 + 1800, subsidy 1000, cost 2 × 1000 + 700.
    path = f"/canteen/sites/{site['id']}/days/2026-12-08"
    early = await client.post(path + "/close", headers=worker)
    assert early.status_code == 409  # not begun yet
    clock.now = datetime(2026, 12, 8, 21, 0, tzinfo=SHANGHAI)
    assert (await client.post(path + "/close", headers=young.headers)).status_code == 403
    closed = await client.post(path + "/close", headers=worker)
    assert closed.status_code == 200, closed.text
    totals = closed.json()
    assert (totals["takings_fen"], totals["subsidy_fen"], totals["cost_fen"]) == (3700, 1000, 2700)
    assert totals["profit_fen"] == 2000 and totals["orders"] == 3 and totals["closed"]
    assert (await client.post(path + "/close", headers=worker)).status_code == 409
    # The morning timer finds it closed: still one event.
    await TimerPoller(sessionmaker, [CLOSE_DAY_TIMER]).fire_due(now=clock.now + timedelta(hours=5))
    [day] = [e for e in await outbox.data("canteen.day_closed") if e["site_id"] == site["id"]]
    assert day == {
        "type": "cn.linli.service-hall.canteen.day_closed.v1",
        "site_id": site["id"],
        "site_name": "东信长者食堂",
        "community_code": community_code,
        "business_date": "2026-12-08",
        "takings_fen": 3700,
        "subsidy_fen": 1000,
        "profit_fen": 2000,
    }
    # On the community's subject, which svc-funds' consumer filters on.
    [message] = [
        m for m in await outbox.messages(type="canteen.day_closed") if m.payload["data"] == day
    ]
    assert message.subject == (
        f"linli.3301.330108.{community_code[:9]}.{community_code}.service-hall.canteen.day_closed"
    )
    try:  # svc-funds' own copy of the contract, when the workspace has it installed
        from linli.funds.ledger.handlers import CanteenDayClosed
    except ImportError:  # pragma: no cover - a service tested alone
        pass
    else:
        read = CanteenDayClosed.model_validate(day)
        assert read.profit_fen == 2000 and read.business_date == TUESDAY


async def test_bursts_never_oversell_portions_nor_overdraw_stored_value(
    client: httpx.AsyncClient,
    clock: Clock,
    make_site: SiteMaker,
    make_resident: Maker,
    worker: dict[str, str],
    community_code: str,
    sessionmaker: Sessions,
) -> None:
    clock.now = MONDAY
    site = await make_site(subsidy_rules=[], stored_value_discount_bp=0)
    dishes = [{"name": "三鲜面", "base_price_fen": 1000, "cost_fen": 500, "portions": 30}]
    menu = await _menu(client, site, worker, dishes=dishes)
    people = [await make_resident(community_code=community_code) for _ in range(40)]

    # 40 orders for 30 portions: 30 placed, 10 sold out (named).
    answers = await asyncio.gather(
        *(
            client.post("/canteen/orders", json=_order(menu, 1, payment="cash"), headers=p.headers)
            for p in people
        )
    )
    assert sorted(a.status_code for a in answers) == [201] * 30 + [409] * 10
    refusal = next(a.json() for a in answers if a.status_code == 409)
    assert refusal["type"].endswith("/sold-out") and "三鲜面" in refusal["detail"]
    placed = [a.json() for a in answers if a.status_code == 201]
    losers = [p for p, a in zip(people, answers, strict=True) if a.status_code == 409]
    # Ten cancellations and ten new orders at once: exactly ten of the new ones fit.
    winners = {str(p.resident_id): p for p in people}
    moves = await asyncio.gather(
        *(
            client.post(
                f"/canteen/orders/{o['id']}/cancel", headers=winners[o["resident_id"]].headers
            )
            for o in placed[:10]
        ),
        *(
            client.post("/canteen/orders", json=_order(menu, 1, payment="cash"), headers=p.headers)
            for p in losers
        ),
    )
    assert all(m.status_code in (200, 201, 409) for m in moves)
    live = 30 - 10 + sum(m.status_code == 201 for m in moves)
    kitchen = (await client.get(f"/canteen/sites/{site['id']}/kitchen", headers=worker)).json()
    assert [d["ordered"] for d in kitchen["dishes"]] == [live]
    async with sessionmaker() as session:
        dish = await session.get(Dish, uuid.UUID(menu["dishes"][0]["id"]))
        assert dish is not None and dish.ordered == live <= 30

    # One resident, 5000 fen, twelve 1000-fen meals ordered at once: five paid, seven refused.
    spender = people[0]
    assert (await _top_up(client, site, spender, 5000, worker)).status_code == 201
    menus = [
        await _menu(client, site, worker, day=TUESDAY + timedelta(days=d), meal=m, dishes=dishes)
        for d in range(1, 5)
        for m in ("breakfast", "lunch", "dinner")
    ]
    spent = await asyncio.gather(
        *(client.post("/canteen/orders", json=_order(m, 1), headers=spender.headers) for m in menus)
    )
    assert sorted(s.status_code for s in spent) == [201] * 5 + [409] * 7
    assert all(
        s.json()["type"].endswith("/insufficient-balance") for s in spent if s.status_code == 409
    )
    assert await _ledger(sessionmaker, site["id"], spender.resident_id) == (0, 0)


async def test_refusals_change_nothing(
    client: httpx.AsyncClient,
    clock: Clock,
    make_site: SiteMaker,
    make_resident: Maker,
    worker: dict[str, str],
    auth: Maker,
    community_code: str,
    street_code: str,
    outbox: OutboxReader,
) -> None:
    clock.now = MONDAY
    site = await make_site()
    menu = await _menu(client, site, worker)
    elder = await make_resident(community_code=community_code, birth_year=1950)
    for amount in (-100, 0, 10.5, "100", None, 10**12):
        answer = await _top_up(client, site, elder, amount, worker)
        assert answer.status_code == 422, (amount, answer.text)
    assert (await _top_up(client, site, elder, 100, elder.headers)).status_code == 403
    assert (
        await client.get(f"/canteen/sites/{site['id']}/account", headers=elder.headers)
    ).status_code == 404
    assert [e for e in await outbox.data("canteen.topped_up") if e["site_id"] == site["id"]] == []
    # A retried top-up (same Idempotency-Key) is the first one, credited once.
    keyed = {**worker, "Idempotency-Key": "top-up-" + str(elder.resident_id)}
    first, retry = [await _top_up(client, site, elder, 2000, keyed) for _ in range(2)]
    assert first.status_code == retry.status_code == 201 and retry.json() == first.json()
    assert first.json()["balance_fen"] == 2000
    topped = [e for e in await outbox.data("canteen.topped_up") if e["site_id"] == site["id"]]
    assert [e["amount_fen"] for e in topped] == [2000]

    # A worker orders for an elder without a phone, and must say for whom.
    assert (
        await client.post("/canteen/orders", json=_order(menu, 1, payment="cash"), headers=worker)
    ).status_code == 422
    by_worker = await client.post(
        "/canteen/orders",
        json=_order(menu, 1, payment="cash", resident_id=str(elder.resident_id)),
        headers=worker,
    )
    assert by_worker.status_code == 201, by_worker.text
    placed = by_worker.json()
    assert placed["placed_by_role"] == "community_worker" and placed["subsidy_fen"] == 300
    # No stored value: refused, nothing taken.
    broke = await client.post("/canteen/orders", json=_order(menu, 0, 1), headers=elder.headers)
    assert broke.status_code == 409  # already ordered this meal
    other = await make_resident(community_code=community_code)
    broke = await client.post("/canteen/orders", json=_order(menu, 1), headers=other.headers)
    assert broke.status_code == 409 and broke.json()["type"].endswith("/insufficient-balance")
    bad: dict[str, Any]
    for bad in (
        {"items": [{"dish_id": str(uuid.uuid4()), "quantity": 1}]},
        {"items": [{"dish_id": menu["dishes"][0]["id"], "quantity": 0}]},
        {"items": [{"dish_id": menu["dishes"][0]["id"], "quantity": 1.5}]},
        {"items": []},
        {"payment": "credit"},
    ):
        answer = await client.post(
            "/canteen/orders",
            json={**_order(menu, 1, payment="cash"), **bad},
            headers=other.headers,
        )
        assert answer.status_code == 422, (bad, answer.text)
    kitchen = (await client.get(f"/canteen/sites/{site['id']}/kitchen", headers=worker)).json()
    assert sum(d["ordered"] for d in kitchen["dishes"]) == 1
    # Another community's resident and worker do not see the site.
    outsider = await make_resident(community_code=street_code + "009")
    assert (
        await client.get(f"/canteen/sites/{site['id']}", headers=outsider.headers)
    ).status_code == 404
    stranger = auth(Role.COMMUNITY_WORKER, scope=street_code + "009")
    assert (
        await client.get(f"/canteen/sites/{site['id']}/kitchen", headers=stranger)
    ).status_code == 404
    assert (
        await client.post("/canteen/orders", json=_order(menu, 1), headers=outsider.headers)
    ).status_code == 404
    # Sites and menus refuse bad input too.
    assert (
        await client.post("/canteen/sites", json={"community_code": community_code}, headers=worker)
    ).status_code == 422
    past = await client.post(
        f"/canteen/sites/{site['id']}/menus",
        json={
            "business_date": "2026-12-07",
            "meal": "lunch",
            "dishes": [{"name": "面", "base_price_fen": 1, "portions": 1}],
        },
        headers=worker,
    )
    assert past.status_code == 422
    for far in ("9999-12-31", "0001-01-01"):
        answer = await client.post(f"/canteen/sites/{site['id']}/days/{far}/close", headers=worker)
        assert answer.status_code == 422, answer.text


async def test_cancel_and_reorder_at_once_keep_subsidy_and_balance_exact(
    client: httpx.AsyncClient,
    clock: Clock,
    make_site: SiteMaker,
    make_resident: Maker,
    worker: dict[str, str],
    community_code: str,
    sessionmaker: Sessions,
) -> None:
    clock.now = MONDAY
    site = await make_site()
    lunch = await _menu(client, site, worker)
    elder = await make_resident(
        community_code=community_code, tags=("living_alone",), birth_year=1950
    )
    assert (await _top_up(client, site, elder, 10_000, worker)).status_code == 201
    placed = (
        await client.post("/canteen/orders", json=_order(lunch, 1), headers=elder.headers)
    ).json()
    assert placed["subsidy_fen"] == 800  # 300 (60+) + 500 (living alone)
    for _ in range(3):
        answers = await asyncio.gather(
            client.post(f"/canteen/orders/{placed['id']}/cancel", headers=elder.headers),
            *(
                client.post("/canteen/orders", json=_order(lunch, 1), headers=elder.headers)
                for _ in range(3)
            ),
        )
        assert answers[0].status_code == 200
        assert {a.status_code for a in answers[1:]} <= {201, 409}
        live = [a.json() for a in answers[1:] if a.status_code == 201]
        if not live:  # every re-order came before the cancellation committed
            live = [
                (
                    await client.post(
                        "/canteen/orders", json=_order(lunch, 1), headers=elder.headers
                    )
                ).json()
            ]
        [placed] = live
        assert placed["subsidy_fen"] == 800 and placed["price_fen"] == 665  # 700 − 5 %
    balance, ledger = await _ledger(sessionmaker, site["id"], elder.resident_id)
    assert balance == ledger == 10_000 - placed["price_fen"]
    kitchen = (await client.get(f"/canteen/sites/{site['id']}/kitchen", headers=worker)).json()
    assert [d["ordered"] for d in kitchen["dishes"] if d["name"] == "红烧肉套餐"] == [1]
