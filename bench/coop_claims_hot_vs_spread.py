"""Benchmark: claims (接单) per second on one hot work order against claims spread over 100
orders, measured side by side in one run; and over-claims, which must be 0. Target (issue 14):
hot ÷ spread ≥ 0.5.

Every claim on an order takes pieces from the order's remainder in one UPDATE under the row's
lock, so concurrent claims on one order queue on that row while claims on different orders do
not: the ratio is the price of the lock. svc-jobs-coop runs as a uvicorn process (one worker,
as deployed) on embedded PostgreSQL and NATS (or LINLI_TEST_DATABASE_URL / LINLI_TEST_NATS_URL),
loaded from this process with aiohttp by pool members claiming one piece at a time. Last, an
order of `--scarce` pieces is claimed by many more requests than it has pieces: exactly that many
succeed, the rest are 409. The load generator shares the cores with the server: read the ratio.

    .venv/bin/python bench/coop_claims_hot_vs_spread.py [--seconds 5] [--concurrency 32] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import text

from linli.common.auth import Role
from linli.common.db import create_engine
from linli.testing.tokens import TestIssuer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.service_process import call, service

COMMUNITY = "330108001001"
ORDERS = 100
BIG = 10_000_000


async def prepare(
    url: str, issuer: TestIssuer, *, members: int
) -> tuple[list[str], list[dict[str, str]]]:
    """An enterprise with an agreement, `members` beaders with logins, 1 + 100 + 1 open orders."""
    worker = issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=COMMUNITY, subject="bench-worker")
    today = date.today()
    async with aiohttp.ClientSession(base_url=url) as session:
        firm = await call(
            session,
            "POST",
            "/enterprises",
            worker,
            {
                "community_code": COMMUNITY,
                "name": "压测饰品厂",
                "industry": "串珠",
                "contact_name": "陈",
            },
            201,
        )
        login = f"bench-firm-{firm['id']}"
        await call(session, "PUT", f"/enterprises/{firm['id']}/accounts/{login}", worker, None, 200)
        await call(
            session,
            "POST",
            f"/enterprises/{firm['id']}/agreements",
            worker,
            {
                "number": "BENCH-1",
                "starts_on": (today - timedelta(days=1)).isoformat(),
                "ends_on": (today + timedelta(days=30)).isoformat(),
                "terms": "压测",
            },
            201,
        )
        enterprise = issuer.headers(roles=[Role.ENTERPRISE], scope=COMMUNITY, subject=login)
        claimants = []
        for n in range(members):
            await call(
                session,
                "POST",
                "/members",
                worker,
                {
                    "community_code": COMMUNITY,
                    "account_subject": f"bench-member-{n}",
                    "name": f"压测{n}",
                    "phone": f"1380000{n:04d}",
                    "consent": True,
                    "skills": [{"skill": "beading", "level": 2}],
                },
                201,
            )
            claimants.append(
                issuer.headers(roles=[Role.RESIDENT], scope=COMMUNITY, subject=f"bench-member-{n}")
            )
        orders = []
        for quantity in [BIG] * (1 + ORDERS):
            order = await call(
                session,
                "POST",
                "/work-orders",
                enterprise,
                {
                    "item": "串珠手链",
                    "quantity": quantity,
                    "piece_rate_fen": 35,
                    "deadline": (today + timedelta(days=20)).isoformat(),
                    "required_skill": "beading",
                    "pickup_site": "邻里中心",
                    "quality_standard": "无松动",
                },
                201,
            )
            await call(
                session, "POST", f"/work-orders/{order['id']}/split", worker, {"batch_size": 1}, 200
            )
            orders.append(order["id"])
    return orders, claimants


async def claim_load(
    url: str,
    orders: list[str],
    claimants: list[dict[str, str]],
    *,
    seconds: float,
    concurrency: int,
) -> tuple[float, int]:
    """Closed loop: each client claims one piece of its order, then the next. Claims/s, refusals."""
    done = refused = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(base_url=url, connector=connector) as session:

        async def client(n: int) -> None:
            nonlocal done, refused
            headers = claimants[n % len(claimants)]
            turn = n
            while time.perf_counter() < deadline:
                order = orders[turn % len(orders)]
                turn += concurrency
                async with session.post(
                    f"/work-orders/{order}/claims", json={"quantity": 1}, headers=headers
                ) as response:
                    await response.read()
                    if response.status == 201:
                        done += 1
                    elif response.status == 409:
                        refused += 1
                    else:
                        raise SystemExit(
                            f"claim answered {response.status}: {await response.text()}"
                        )

        started = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(concurrency)))
        elapsed = time.perf_counter() - started
    return done / elapsed, refused


async def scarce(
    url: str, issuer: TestIssuer, claimants: list[dict[str, str]], *, pieces: int, requests: int
) -> tuple[int, int]:
    """An order of `pieces`, claimed one piece at a time by `requests` claims at once."""
    worker = issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=COMMUNITY, subject="bench-worker")
    async with aiohttp.ClientSession(base_url=url) as session:
        firms = await call(session, "GET", "/enterprises", worker, None, 200)
        firm = firms["items"][0]
        enterprise = issuer.headers(
            roles=[Role.ENTERPRISE], scope=COMMUNITY, subject=f"bench-firm-{firm['id']}"
        )
        order = await call(
            session,
            "POST",
            "/work-orders",
            enterprise,
            {
                "item": "限量款",
                "quantity": pieces,
                "piece_rate_fen": 50,
                "deadline": (date.today() + timedelta(days=5)).isoformat(),
                "required_skill": "beading",
                "pickup_site": "邻里中心",
                "quality_standard": "无松动",
            },
            201,
        )
        await call(
            session, "POST", f"/work-orders/{order['id']}/split", worker, {"batch_size": 1}, 200
        )
        semaphore = asyncio.Semaphore(64)

        async def one(n: int) -> int:
            async with (
                semaphore,
                session.post(
                    f"/work-orders/{order['id']}/claims",
                    json={"quantity": 1},
                    headers=claimants[n % len(claimants)],
                ) as response,
            ):
                await response.read()
                return response.status

        statuses = await asyncio.gather(*(one(n) for n in range(requests)))
    return statuses.count(201), statuses.count(409)


async def over_claims(database_url: str) -> int:
    """Pieces handed out beyond an order's quantity, over every order (must be 0)."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            excess = await connection.scalar(
                text(
                    "SELECT coalesce(sum(greatest(0, handed + o.quantity_left - o.quantity)), 0) "
                    "+ coalesce(sum(greatest(0, handed - o.quantity)), 0) "
                    "FROM work_orders o JOIN (SELECT work_order_id, sum(quantity) AS handed "
                    "FROM tasks GROUP BY work_order_id) t ON t.work_order_id = o.id"
                )
            )
    finally:
        await engine.dispose()
    return int(excess or 0)


async def run(args: argparse.Namespace, url: str, database_url: str, issuer: TestIssuer) -> None:
    orders, claimants = await prepare(url, issuer, members=args.concurrency)
    hot, spread = orders[:1], orders[1:]
    # Warm the connection pool and the plans.
    await claim_load(url, spread, claimants, seconds=1, concurrency=args.concurrency)
    rows = []
    for _ in range(args.rounds):
        hot_rate, _ = await claim_load(
            url, hot, claimants, seconds=args.seconds, concurrency=args.concurrency
        )
        spread_rate, _ = await claim_load(
            url, spread, claimants, seconds=args.seconds, concurrency=args.concurrency
        )
        rows.append((hot_rate, spread_rate))
    won, refused = await scarce(
        url, issuer, claimants, pieces=args.scarce, requests=args.scarce * 4
    )
    excess = await over_claims(database_url)
    print(
        f"{'claims of one piece, ' + str(args.concurrency) + ' clients':<46} {'claims/s':>9} {'hot/spread':>11}"
    )
    for n, (hot_rate, spread_rate) in enumerate(rows, 1):
        print(f"{'round ' + str(n) + ': one hot order':<46} {hot_rate:>9.0f}")
        print(
            f"{'round ' + str(n) + ': spread over ' + str(ORDERS) + ' orders':<46} {spread_rate:>9.0f} {hot_rate / spread_rate:>11.2f}"
        )
    print(
        f"scarce order of {args.scarce} pieces, {args.scarce * 4} claims at once: "
        f"{won} claimed, {refused} refused (409)"
    )
    print(f"over-claims (pieces handed out beyond any order's quantity): {excess}")
    if excess or won != args.scarce:
        raise SystemExit("over-claimed or under-claimed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--concurrency", type=int, default=32, help="claimants at once")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--scarce", type=int, default=500, help="pieces of the scarce order")
    args = parser.parse_args()
    issuer = TestIssuer()
    root = Path(tempfile.mkdtemp(prefix="linli-bench-coop-"))
    try:
        with service(root, issuer, name="jobs-coop", factory="linli.jobs_coop.app:create_app") as (
            url,
            database_url,
        ):
            asyncio.run(run(args, url, database_url, issuer))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
