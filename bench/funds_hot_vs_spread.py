"""Benchmark: payment approvals per second on one hot fund against the same approvals spread over
100 funds, side by side in one run; and 1,000 approvals at once against a fund that can afford
100 of them. Target (issue 13): hot ÷ spread ≥ 0.5, negative balances 0.

Every payment out of a fund locks the fund's cash account (and, at commit, the head of its audit
chain): approvals on one fund queue on that lock, approvals on 100 funds do not. The ratio says
how much the lock costs when everyone pays out of the same fund at once. The approvals go through
svc-funds' HTTP API (in process, through ASGI, on the embedded PostgreSQL or
LINLI_TEST_DATABASE_URL); the set-up (funds, committees, income, requests) goes through the
service functions. Each request needs one approval (quorum 1), so every approval pays.

Negative balances are counted in the database after each run (`accounts.kind = 'cash'` below
zero) and every fund's ledger is checked through `GET /funds/{id}/ledger/check`.

    .venv/bin/python bench/funds_hot_vs_spread.py [--approvals 1000] [--funds 100]
        [--concurrency 32] [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Principal, Role
from linli.common.db import create_engine, create_sessionmaker
from linli.common.settings import Environment
from linli.funds.app import create_app
from linli.funds.committees import service as committees
from linli.funds.committees.schemas import MemberCreate
from linli.funds.config import Settings
from linli.funds.funds import service as funds
from linli.funds.funds.schemas import FundCreate
from linli.funds.ledger import service as ledger
from linli.funds.ledger.schemas import IncomeCreate
from linli.funds.models import Represents
from linli.funds.payments import service as payments
from linli.funds.payments.schemas import PaymentCreate
from linli.infra.databases import create_database, migrate
from linli.infra.embedded import EmbeddedPostgres, NatsServer
from linli.testing import serve_app
from linli.testing.tokens import TestIssuer

CITY = Principal(subject="bench-admin", roles=frozenset({Role.CITY_ADMIN}), scope="3301")
MEMBER = "bench-member"
AMOUNT_FEN = 100
Sessions = async_sessionmaker[AsyncSession]


async def prepare(
    sessions: Sessions, *, label: str, funds_count: int, requests: int, afford: int
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """`funds_count` community funds, each with one serving member, holding `afford` payments'
    worth in total, and `requests` payment requests of AMOUNT_FEN spread round-robin."""
    today = date.today()
    fund_ids: list[uuid.UUID] = []
    async with sessions.begin() as session:
        for n in range(funds_count):
            code = f"3301080{n // 999 + 1:02d}{n % 999 + 1:03d}"
            fund = await funds.create_fund(
                session,
                principal=CITY,
                fund_in=FundCreate(
                    division_code=code, kind="community", name=f"{label}-{n}", quorum=1
                ),
            )
            fund_ids.append(fund.id)
            await committees.appoint(
                session,
                principal=CITY,
                fund_id=fund.id,
                member_in=MemberCreate(
                    subject=MEMBER,
                    display_name="委员",
                    represents=Represents.RESIDENTS,
                    term_start=today - timedelta(days=1),
                    term_end=today + timedelta(days=30),
                ),
            )
            share = afford // funds_count + (1 if n < afford % funds_count else 0)
            if share:
                await ledger.receive_income(
                    session,
                    principal=CITY,
                    fund_id=fund.id,
                    income_in=IncomeCreate(amount_fen=share * AMOUNT_FEN, payer="bench"),
                )
    request_ids: list[uuid.UUID] = []
    async with sessions.begin() as session:
        for i in range(requests):
            payment = await payments.request_payment(
                session,
                principal=CITY,
                fund_id=fund_ids[i % funds_count],
                payment_in=PaymentCreate(amount_fen=AMOUNT_FEN, payee="bench", purpose="bench"),
            )
            request_ids.append(payment.id)
    return fund_ids, request_ids


async def approve_all(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    request_ids: list[uuid.UUID],
    concurrency: int,
) -> tuple[float, dict[int, int]]:
    """Approve every request, `concurrency` at a time, in random order; (rate/s, statuses)."""
    queue = list(request_ids)
    statuses: dict[int, int] = {}

    async def worker() -> None:
        while queue:
            payment_id = queue.pop()
            answer = await client.post(f"/payments/{payment_id}/approvals", headers=headers)
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(request_ids) / (time.perf_counter() - started), statuses


async def verify(client: httpx.AsyncClient, sessions: Sessions, fund_ids: list[uuid.UUID]) -> int:
    """Negative cash balances anywhere (must be 0); raises if a ledger does not check."""
    for fund_id in fund_ids:
        check = (await client.get(f"/funds/{fund_id}/ledger/check")).json()
        if not check["ok"]:
            raise SystemExit(f"ledger check failed for {fund_id}: {check}")
    async with sessions() as session:
        negative = await session.scalar(
            text("SELECT count(*) FROM accounts WHERE kind = 'cash' AND balance_fen < 0")
        )
    return int(negative or 0)


async def run(args: argparse.Namespace) -> None:
    root = Path(tempfile.mkdtemp(prefix="linli-bench-funds-"))
    url = os.environ.get("LINLI_TEST_DATABASE_URL")
    nats_url = os.environ.get("LINLI_TEST_NATS_URL")
    try:
        with ExitStack() as servers:
            if url is None:
                url = servers.enter_context(EmbeddedPostgres(root / "pg", durable=False)).url
            if nats_url is None:
                nats_url = servers.enter_context(NatsServer(root / "nats")).url
            database = create_database(url, "bench_funds")
            migrate("funds", database)
            settings = Settings(
                database_url=database,
                nats_url=nats_url,
                environment=Environment.TEST,
                log_json=False,
                log_level="WARNING",
                run_outbox_relay=False,
                run_consumers=False,
                database_pool_size=args.concurrency,
            )
            issuer = TestIssuer()
            headers = issuer.headers(roles=[Role.FUND_COMMITTEE], scope="3301", subject=MEMBER)
            engine = create_engine(database)
            sessions = create_sessionmaker(engine, event_source=settings.event_source)
            app = create_app(settings, token_verifier=issuer.verifier())
            async with serve_app(app) as client:
                rates: dict[str, list[float]] = {"hot": [], "spread": []}
                all_funds: list[uuid.UUID] = []
                for round_ in range(args.rounds):
                    for label, count in (("hot", 1), ("spread", args.funds)):
                        fund_ids, request_ids = await prepare(
                            sessions,
                            label=f"{label}{round_}",
                            funds_count=count,
                            requests=args.approvals,
                            afford=args.approvals,
                        )
                        all_funds += fund_ids
                        rate, statuses = await approve_all(
                            client, headers, request_ids, args.concurrency
                        )
                        if statuses != {200: args.approvals}:
                            raise SystemExit(f"{label}: not every approval paid: {statuses}")
                        rates[label].append(rate)
                        print(f"round {round_ + 1} {label:<6} {rate:8.0f} approvals/s")
                # The overdraw: every approval at once against a fund affording a tenth.
                afford = args.approvals // 10
                fund_ids, request_ids = await prepare(
                    sessions,
                    label="overdraw",
                    funds_count=1,
                    requests=args.approvals,
                    afford=afford,
                )
                all_funds += fund_ids
                _, statuses = await approve_all(client, headers, request_ids, args.concurrency)
                balance = (await client.get(f"/funds/{fund_ids[0]}")).json()["balance_fen"]
                negative = await verify(client, sessions, all_funds)
            await engine.dispose()
        hot, spread = max(rates["hot"]), max(rates["spread"])
        print()
        print(f"{'fund layout':<44} {'approvals/s':>11}  hot/spread")
        print(f"{'1 hot fund':<44} {hot:11.0f}  {hot / spread:.2f}")
        print(f"{f'spread over {args.funds} funds':<44} {spread:11.0f}")
        print(
            f"\n{args.approvals} approvals at once against a fund affording {afford}: "
            f"paid {statuses.get(200, 0)}, refused {statuses.get(409, 0)} (409), "
            f"other {sum(v for k, v in statuses.items() if k not in (200, 409))}; "
            f"balance left {balance} fen"
        )
        print(f"negative balances: {negative}; ledgers checked: {len(all_funds)} funds, all ok")
        if statuses.get(200) != afford or negative:
            raise SystemExit("FAILED: the fund paid other than it could afford")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--approvals", type=int, default=1000, help="approvals per side")
    parser.add_argument("--funds", type=int, default=100, help="funds of the spread side")
    parser.add_argument("--concurrency", type=int, default=32, help="approvals in flight")
    parser.add_argument("--rounds", type=int, default=1, help="rounds; the best of each side")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
