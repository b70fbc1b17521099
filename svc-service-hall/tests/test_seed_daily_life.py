"""The daily-life demo (`linli.cli.seed_daily_life`), run over HTTP against this service served
by uvicorn: a week of legal consultation with bookings, the canteen's menus, stored value and
orders, once, and balances that equal their ledgers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from linli.cli import seed_daily_life, seed_hall
from linli.common.auth import Role
from linli.infra.embedded import free_port
from linli.service_hall.app import create_app
from linli.service_hall.config import Settings
from linli.service_hall.models import Base
from linli.testing import truncate_tables
from linli.testing.tokens import TestIssuer

Maker = Any


@contextlib.asynccontextmanager
async def serving(settings: Settings, issuer: TestIssuer) -> AsyncIterator[str]:
    port = free_port()
    app = create_app(settings, token_verifier=issuer.verifier())
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def _seed(
    base_url: str, street: dict[str, str], residents: list[str], elders: list[str]
) -> tuple[str, str]:
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        point = client.post(
            "/service-points",
            json={
                "division_code": seed_hall.STREET,
                "name": seed_hall.HALL_NAME,
                "address": "江汉路1515号",
                "communities": list(seed_hall.COMMUNITIES),
            },
            headers=street,
        )
        assert point.status_code == 201, point.text
        now = datetime.now(UTC)
        args: dict[str, Any] = {
            "street": street,
            "residents": residents,
            "elders": elders,
            "now": now,
            "hall": "",
        }
        return seed_daily_life.seed_daily_life(client, **args), seed_daily_life.seed_daily_life(
            client, **args
        )


async def test_the_daily_life_demo_seeds_once(
    settings: Settings, issuer: TestIssuer, engine: AsyncEngine, make_resident: Maker
) -> None:
    await truncate_tables(engine, Base.metadata)
    community = seed_hall.COMMUNITIES[0]
    elders = [
        str((await make_resident(community_code=community, birth_year=1940)).resident_id)
        for _ in range(6)
    ]
    younger = [str((await make_resident(community_code=community)).resident_id) for _ in range(4)]
    street = issuer.headers(
        roles=[Role.STREET_ADMIN], scope=seed_hall.STREET, subject="xixing.admin"
    )
    async with serving(settings, issuer) as url:
        first, again = await asyncio.to_thread(_seed, url, street, sorted(elders + younger), elders)
    assert first.startswith("ok (免费法律咨询: "), first
    assert (
        "东冠长者食堂: 14 menus from" in first and "6 stored-value accounts, 14 orders" in first
    ), first
    assert again == "already there"
    async with engine.connect() as connection:
        accounts = (
            await connection.execute(
                text(
                    "SELECT a.balance_fen, (SELECT sum(e.amount_fen) FROM canteen_account_entries e "
                    "WHERE e.account_id = a.id) FROM canteen_accounts a"
                )
            )
        ).all()
        portions = await connection.scalar(text("SELECT sum(ordered) FROM canteen_dishes"))
        lines = await connection.scalar(text("SELECT sum(quantity) FROM canteen_order_lines"))
    assert len(accounts) == 6 and all(balance == ledger < 20_000 for balance, ledger in accounts)
    assert portions == lines == 6 * 3 + 2
