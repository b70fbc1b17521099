"""svc-service-hall's daily life in the demo city, through the gateway: a week of free legal
consultation (免费法律咨询) at 西兴街道's hall with bookings made at the counter for residents of
东冠社区, and 东冠长者食堂 with a week of menus, stored value for elders and their orders for the
first day still open (tomorrow, or the day after once tomorrow's 20:00 cut-off has passed)."""

from __future__ import annotations

import time as clock
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from linli.cli.seed_hall import COMMUNITIES, HALL_NAME, STREET, HallSeedFailed, _call, _expect

SHANGHAI = ZoneInfo("Asia/Shanghai")
LEGAL = "免费法律咨询"
CANTEEN = "东冠长者食堂"
# Afternoons Monday to Friday, two volunteer lawyers: 9 slots of 20 minutes, two places each.
LEGAL_RULES = [{"weekday": d, "opens": "14:00", "closes": "17:00"} for d in range(1, 6)]
BOOKINGS = 8
SUBSIDIES = [
    {"tag": "elderly_60", "amount_fen": 300},
    {"tag": "elderly_80", "amount_fen": 200},
    {"tag": "living_alone", "amount_fen": 500},
    {"tag": "low_income", "amount_fen": 400},
]
LUNCH = [
    {"name": "红烧肉套餐", "base_price_fen": 1500, "cost_fen": 950, "portions": 60},
    {"name": "清蒸鲈鱼套餐", "base_price_fen": 1800, "cost_fen": 1200, "portions": 40},
    {"name": "素三鲜套餐", "base_price_fen": 1000, "cost_fen": 550, "portions": 60},
    {"name": "紫菜蛋花汤", "base_price_fen": 200, "cost_fen": 80, "portions": 100},
]
DINNER = [
    {"name": "小米粥配包子", "base_price_fen": 600, "cost_fen": 300, "portions": 50},
    {"name": "番茄鸡蛋面", "base_price_fen": 900, "cost_fen": 450, "portions": 50},
]
TOP_UP_FEN = 20_000
ELDERS = 6


# How long a resident the registry just created may take to reach the hall's copy.
KNOWN_WITHIN_S = 30.0


class DailyLifeSeedFailed(HallSeedFailed):
    """A step of the daily-life demo answered something else than expected."""


def _for_resident(
    client: httpx.Client, url: str, body: dict[str, Any], auth: dict[str, str]
) -> Any:
    """POST on a resident's behalf; a 422 while the hall has not heard of them yet (the
    registry's events are on their way) is tried again for a while."""
    deadline = clock.monotonic() + KNOWN_WITHIN_S
    while True:
        answer = _call(client, "POST", url, json=body, headers=auth)
        if answer.status_code != 422 or clock.monotonic() > deadline:
            return _expect(answer, 201)
        clock.sleep(0.5)


def first_open_day(now: datetime) -> date:
    """Tomorrow, or the day after once tomorrow's orders closed (20:00 Shanghai today)."""
    local = now.astimezone(SHANGHAI)
    tomorrow = local.date() + timedelta(days=1)
    return tomorrow if local.time() < time(20, 0) else tomorrow + timedelta(days=1)


def seed_daily_life(
    client: httpx.Client,
    *,
    street: dict[str, str],
    residents: list[str],
    elders: list[str],
    now: datetime,
    hall: str = "/api/service-hall",
) -> str:
    """Seed once (a second run finds the legal consultation and stops). `residents` and
    `elders` are resident ids of 东冠社区 the hall knows; `street` is the street's admin, who
    staffs the hall. Returns what happened."""
    points = _expect(
        _call(client, "GET", f"{hall}/service-points", params={"division": STREET}, headers=street),
        200,
    )
    point = next((p for p in points if p["name"] == HALL_NAME), None)
    if point is None:
        return "skipped: the hall is not there"
    calendars = _expect(
        _call(
            client,
            "GET",
            f"{hall}/appointment-calendars",
            params={"division": STREET},
            headers=street,
        ),
        200,
    )
    if any(c["service_name"] == LEGAL for c in calendars):
        return "already there"

    legal = _expect(
        _call(
            client,
            "POST",
            f"{hall}/appointment-calendars",
            json={
                "service_point_id": point["id"],
                "service_name": LEGAL,
                "rules": LEGAL_RULES,
                "slot_minutes": 20,
                "capacity": 2,
                "horizon_days": 7,
            },
            headers=street,
        ),
        201,
    )
    slots = _expect(
        _call(client, "GET", f"{hall}/appointment-calendars/{legal['id']}/slots", headers=street),
        200,
    )
    open_slots = [s for s in slots if datetime.fromisoformat(s["starts_at"]) > now]
    booked = 0
    for resident, slot in zip(residents[:BOOKINGS], open_slots[::2], strict=False):
        _for_resident(
            client,
            f"{hall}/appointments",
            {"slot_id": slot["id"], "resident_id": resident},
            street,
        )
        booked += 1

    canteen = _canteen(client, hall, street, elders or residents, residents, now)
    return f"ok ({LEGAL}: {len(slots)} slots this week, {booked} booked; {canteen})"


def _canteen(
    client: httpx.Client,
    hall: str,
    street: dict[str, str],
    elders: list[str],
    residents: list[str],
    now: datetime,
) -> str:
    site = _expect(
        _call(
            client,
            "POST",
            f"{hall}/canteen/sites",
            json={
                "community_code": COMMUNITIES[0],
                "name": CANTEEN,
                "address": "西兴街道东冠路88号",
                "daily_subsidy_cap_fen": 1000,
                "stored_value_discount_bp": 500,
                "subsidy_rules": SUBSIDIES,
            },
            headers=street,
        ),
        201,
    )
    first = first_open_day(now)
    menus: dict[tuple[date, str], dict[str, Any]] = {}
    for offset in range(7):
        day = first + timedelta(days=offset)
        for meal, dishes in (("lunch", LUNCH), ("dinner", DINNER)):
            menus[day, meal] = _expect(
                _call(
                    client,
                    "POST",
                    f"{hall}/canteen/sites/{site['id']}/menus",
                    json={"business_date": day.isoformat(), "meal": meal, "dishes": dishes},
                    headers=street,
                ),
                201,
            )
    lunch, dinner = menus[first, "lunch"], menus[first, "dinner"]
    orders = 0
    for n, elder in enumerate(elders[:ELDERS]):
        _for_resident(
            client,
            f"{hall}/canteen/top-ups",
            {"site_id": site["id"], "resident_id": elder, "amount_fen": TOP_UP_FEN},
            street,
        )
        main = lunch["dishes"][n % 3]
        soup = lunch["dishes"][3]
        for menu, items in (
            (lunch, [{"dish_id": main["id"]}, {"dish_id": soup["id"]}]),
            (dinner, [{"dish_id": dinner["dishes"][n % 2]["id"]}]),
        ):
            _for_resident(
                client,
                f"{hall}/canteen/orders",
                {"menu_id": menu["id"], "items": items, "resident_id": elder},
                street,
            )
            orders += 1
    # Two younger neighbours pay cash at the counter.
    for resident in [r for r in residents if r not in elders][:2]:
        _for_resident(
            client,
            f"{hall}/canteen/orders",
            {
                "menu_id": lunch["id"],
                "items": [{"dish_id": lunch["dishes"][2]["id"]}],
                "payment": "cash",
                "resident_id": resident,
            },
            street,
        )
        orders += 1
    return (
        f"{CANTEEN}: {len(menus)} menus from {first.isoformat()}, "
        f"{min(len(elders), ELDERS)} stored-value accounts, {orders} orders for {first.isoformat()}"
    )
