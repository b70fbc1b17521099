"""The cooperative's part of the demo city (`linli.cli.seed_coop`), run over HTTP against this
service served by uvicorn, as the gateway passes it through: it seeds in seconds, the same
every run, once."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from linli.common.auth import Role
from linli.infra.embedded import free_port
from linli.jobs_coop.app import create_app
from linli.jobs_coop.config import Settings
from linli.jobs_coop.models import Base
from linli.testing import truncate_tables
from linli.testing.tokens import TestIssuer

seed_coop = pytest.importorskip("linli.cli.seed_coop")
TODAY = date(2026, 12, 3)

Headers = dict[str, str]


@contextlib.asynccontextmanager
async def serving(settings: Settings, issuer: TestIssuer) -> AsyncIterator[str]:
    """The service on a real port, in this event loop; its base URL."""
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


def _seed(base_url: str, issuer: TestIssuer) -> tuple[str, float]:
    def login(role: Role, subject: str) -> Headers:
        return issuer.headers(roles=[role], scope="330108001001", subject=subject)

    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        started = time.monotonic()
        outcome = seed_coop.seed_demo_coop(
            client,
            worker=login(Role.COMMUNITY_WORKER, "dongguan.worker"),
            street=issuer.headers(roles=[Role.STREET_ADMIN], scope="330108001", subject="xixing"),
            desk=login(Role.COMMUNITY_WORKER, "dongguan.factory"),
            beading=login(Role.ENTERPRISE, "jingcai"),
            netting=login(Role.ENTERPRISE, "yuwang"),
            today=TODAY,
            api="",
        )
        elapsed = time.monotonic() - started
        again = seed_coop.seed_demo_coop(
            client,
            worker=login(Role.COMMUNITY_WORKER, "dongguan.worker"),
            street=issuer.headers(roles=[Role.STREET_ADMIN], scope="330108001", subject="xixing"),
            desk=login(Role.COMMUNITY_WORKER, "dongguan.factory"),
            beading=login(Role.ENTERPRISE, "jingcai"),
            netting=login(Role.ENTERPRISE, "yuwang"),
            today=TODAY,
            api="",
        )
    assert again == "already there"
    return str(outcome), elapsed


async def _who_holds_what(engine: AsyncEngine) -> list[tuple[str, str, int]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT o.item, m.name, t.quantity FROM tasks t JOIN members m ON m.id = t.member_id "
                "JOIN work_orders o ON o.id = t.work_order_id ORDER BY o.item, m.name, t.quantity"
            )
        )
        return [(row[0], row[1], row[2]) for row in rows]


async def test_the_demo_cooperative_seeds_in_seconds_the_same_every_run(
    settings: Settings, issuer: TestIssuer, engine: AsyncEngine
) -> None:
    async with serving(settings, issuer) as url:
        first, elapsed = await asyncio.to_thread(_seed, url, issuer)
    assert first.startswith("ok (2 enterprises, 1 micro-factory, 60 pool members"), first
    assert "2026-12 settled: 9 statements" in first, first
    assert elapsed < 30, elapsed
    holders = await _who_holds_what(engine)
    assert len(holders) == 8 + 12 + 4
    await truncate_tables(engine, Base.metadata)
    async with serving(settings, issuer) as url:
        second, _ = await asyncio.to_thread(_seed, url, issuer)
    assert second == first
    assert await _who_holds_what(engine) == holders
