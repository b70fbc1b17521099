"""Benchmark: appointment bookings per second on one hot slot against bookings spread over 100
calendars (one slot each), measured side by side in one run; and over-bookings, which must be 0.
Target (issue 11): hot ÷ spread ≥ 0.5.

A booking writes its row (the unique index refuses a second live booking of a resident), its
event and its two timers, and takes its place last, in one conditional UPDATE of the slot's
counter (`booked < capacity`) under the slot's row lock: concurrent bookings of one slot queue
on that row only from that UPDATE to their commit. svc-service-hall runs as a uvicorn process
(one worker, as deployed) on embedded PostgreSQL and NATS (or LINLI_TEST_DATABASE_URL /
LINLI_TEST_NATS_URL), loaded from this process with aiohttp, each booking by another resident
of the hall's read model. Last, a slot of `--scarce` places gets four times as many bookings at
once: exactly that many succeed, the rest are 409. The load generator shares the cores with the
server: read the ratio.

    .venv/bin/python bench/hall_bookings_hot_vs_spread.py [--seconds 5] [--concurrency 32] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import text

from linli.common.auth import Role
from linli.common.db import create_engine
from linli.testing.tokens import TestIssuer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.service_process import call, service

STREET = "330108001"
COMMUNITY = "330108001001"
CALENDARS = 100
CAPACITY = 1000
RESIDENTS = 8000


async def residents(database_url: str, count: int) -> list[str]:
    """Residents of the community in the hall's read model, written straight into it (as the
    registry's events would put them there): the bench measures bookings, not the consumer."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as connection:
            rows = await connection.execute(
                text(
                    "INSERT INTO resident_copies (resident_id, community_code, name_masked) "
                    "SELECT gen_random_uuid(), :community, '压*' FROM generate_series(1, :count) "
                    "RETURNING resident_id"
                ),
                {"community": COMMUNITY, "count": count},
            )
            return [str(row[0]) for row in rows]
    finally:
        await engine.dispose()


async def prepare(url: str, issuer: TestIssuer) -> tuple[list[str], list[str], str]:
    """A hall, one hot calendar and 100 others, each slot taking 1000: the hot calendar's open
    slots (one per round), the first open slot of each other calendar, and the hall's id."""
    admin = issuer.headers(roles=[Role.STREET_ADMIN], scope=STREET, subject="bench-admin")
    every_day = [{"weekday": d, "opens": "09:00", "closes": "10:00"} for d in range(1, 8)]
    later = datetime.now(UTC) + timedelta(hours=2)
    async with aiohttp.ClientSession(base_url=url) as session:
        point = await call(
            session,
            "POST",
            "/service-points",
            admin,
            {
                "division_code": STREET,
                "name": "压测服务中心",
                "address": "江汉路1号",
                "communities": [COMMUNITY],
            },
            201,
        )

        async def calendar(capacity: int) -> tuple[str, list[str]]:
            made = await call(
                session,
                "POST",
                "/appointment-calendars",
                admin,
                {
                    "service_point_id": point["id"],
                    "service_name": "压测咨询",
                    "rules": every_day,
                    "slot_minutes": 20,
                    "capacity": capacity,
                    "horizon_days": 14,
                },
                201,
            )
            slots = await call(
                session,
                "GET",
                f"/appointment-calendars/{made['id']}/slots?until="
                + (later.date() + timedelta(days=14)).isoformat(),
                admin,
                None,
                200,
            )
            return made["id"], [
                s["id"] for s in slots if datetime.fromisoformat(s["starts_at"]) > later
            ]

        _, hot = await calendar(CAPACITY)
        spread = [(await calendar(CAPACITY))[1][0] for _ in range(CALENDARS)]
    return hot, spread, point["id"]


async def book_load(
    url: str,
    slots: list[str],
    people: Iterator[dict[str, str]],
    *,
    seconds: float,
    concurrency: int,
) -> tuple[float, int]:
    """Closed loop: each client books a slot for the next resident, then the next. Bookings/s."""
    done = refused = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(base_url=url, connector=connector) as session:

        async def client(n: int) -> None:
            nonlocal done, refused
            turn = n
            while time.perf_counter() < deadline:
                slot = slots[turn % len(slots)]
                turn += concurrency
                async with session.post(
                    "/appointments", json={"slot_id": slot}, headers=next(people)
                ) as response:
                    await response.read()
                    if response.status == 201:
                        done += 1
                    elif response.status == 409:
                        refused += 1
                    else:
                        raise SystemExit(
                            f"booking answered {response.status}: {await response.text()}"
                        )

        started = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(concurrency)))
        elapsed = time.perf_counter() - started
    return done / elapsed, refused


async def scarce_slot(
    url: str, issuer: TestIssuer, point_id: str, people: Iterator[dict[str, str]], *, places: int
) -> tuple[int, int]:
    """A slot of `places`, booked by four times as many residents at once (64 in flight)."""
    admin = issuer.headers(roles=[Role.STREET_ADMIN], scope=STREET, subject="bench-admin")
    later = datetime.now(UTC) + timedelta(hours=2)
    async with aiohttp.ClientSession(base_url=url) as session:
        made = await call(
            session,
            "POST",
            "/appointment-calendars",
            admin,
            {
                "service_point_id": point_id,
                "service_name": "限量咨询",
                "rules": [{"weekday": d, "opens": "09:00", "closes": "10:00"} for d in range(1, 8)],
                "slot_minutes": 20,
                "capacity": places,
                "horizon_days": 14,
            },
            201,
        )
        slots = await call(
            session,
            "GET",
            f"/appointment-calendars/{made['id']}/slots?until="
            + (later.date() + timedelta(days=14)).isoformat(),
            admin,
            None,
            200,
        )
        slot = next(s["id"] for s in slots if datetime.fromisoformat(s["starts_at"]) > later)
        semaphore = asyncio.Semaphore(64)
        heads = [next(people) for _ in range(places * 4)]

        async def one(headers: dict[str, str]) -> int:
            async with (
                semaphore,
                session.post("/appointments", json={"slot_id": slot}, headers=headers) as response,
            ):
                await response.read()
                return response.status

        statuses = await asyncio.gather(*(one(h) for h in heads))
    return statuses.count(201), statuses.count(409)


async def over_bookings(database_url: str) -> int:
    """Bookings beyond a slot's capacity, and counters that disagree with the live bookings,
    over every slot (must be 0)."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            excess = await connection.scalar(
                text(
                    "SELECT coalesce(sum(greatest(0, coalesce(a.live, 0) - s.capacity)), 0) "
                    "+ count(*) FILTER (WHERE s.booked <> coalesce(a.live, 0)) "
                    "FROM appointment_slots s LEFT JOIN (SELECT slot_id, count(*) AS live "
                    "FROM appointments WHERE status <> 'cancelled' GROUP BY slot_id) a "
                    "ON a.slot_id = s.id"
                )
            )
    finally:
        await engine.dispose()
    return int(excess or 0)


async def run(args: argparse.Namespace, url: str, database_url: str, issuer: TestIssuer) -> None:
    hot, spread, point_id = await prepare(url, issuer)
    ids = await residents(database_url, RESIDENTS)
    # Each booking by a resident who has not booked before: never a refusal for a second
    # booking. Tokens signed beforehand, so that signing is not part of the load.
    people = iter(
        [
            issuer.headers(roles=[Role.RESIDENT], scope=COMMUNITY, subject=f"r-{n}", resident_id=r)
            for n, r in enumerate(ids)
        ]
    )
    # Warm the connection pool and the plans.
    await book_load(url, spread, people, seconds=1, concurrency=args.concurrency)
    rows = []
    for n in range(args.rounds):
        hot_rate, full = await book_load(
            url, hot[n : n + 1], people, seconds=args.seconds, concurrency=args.concurrency
        )
        if full:
            raise SystemExit(f"the hot slot filled up ({full} refusals): run shorter rounds")
        spread_rate, _ = await book_load(
            url, spread, people, seconds=args.seconds, concurrency=args.concurrency
        )
        rows.append((hot_rate, spread_rate))
    won, refused = await scarce_slot(url, issuer, point_id, people, places=args.scarce)
    excess = await over_bookings(database_url)
    print(
        f"{'bookings, ' + str(args.concurrency) + ' clients':<46} {'bookings/s':>10} {'hot/spread':>11}"
    )
    for n, (hot_rate, spread_rate) in enumerate(rows, 1):
        print(f"{'round ' + str(n) + ': one hot slot':<46} {hot_rate:>10.0f}")
        print(
            f"{'round ' + str(n) + ': spread over ' + str(CALENDARS) + ' calendars':<46} {spread_rate:>10.0f} {hot_rate / spread_rate:>11.2f}"
        )
    print(
        f"scarce slot of {args.scarce} places, {args.scarce * 4} bookings at once: "
        f"{won} booked, {refused} refused (409)"
    )
    print(f"over-bookings (beyond capacity, or counters off the live bookings): {excess}")
    if excess or won != args.scarce:
        raise SystemExit("over-booked or under-booked")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--concurrency", type=int, default=32, help="bookings in flight")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--scarce", type=int, default=100, help="places of the scarce slot")
    args = parser.parse_args()
    issuer = TestIssuer()
    root = Path(tempfile.mkdtemp(prefix="linli-bench-hall-"))
    try:
        with service(
            root,
            issuer,
            name="service-hall",
            factory="linli.service_hall.app:create_app",
            # The timers would fire reminders for bookings made seconds before: not measured.
            env={"LINLI_RUN_TIMERS": "false"},
        ) as (url, database_url):
            asyncio.run(run(args, url, database_url, issuer))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
