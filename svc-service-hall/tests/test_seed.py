"""The residents' voice of the demo city (`linli.cli.seed_voice`), run over HTTP against this
service served by uvicorn, as the gateway passes it through: it seeds in seconds, the same every
run, once. (Its reports wait for svc-grid, which is not here: they stay filed.)"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from linli.cli import seed_voice
from linli.common.auth import Role
from linli.infra.embedded import free_port
from linli.service_hall.app import create_app
from linli.service_hall.config import Settings
from linli.service_hall.models import Base
from linli.testing import truncate_tables
from linli.testing.tokens import TestIssuer


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


def _seed(base_url: str, issuer: TestIssuer) -> tuple[str, str, float]:
    def login(role: Role, scope: str, subject: str) -> dict[str, str]:
        return issuer.headers(roles=[role], scope=scope, subject=subject)

    people: dict[str, Any] = {
        "residents": [
            login(Role.RESIDENT, seed_voice.COMMUNITY, f"dongguan-{n}")
            for n in range(seed_voice.RESIDENTS)
        ],
        "guling": [login(Role.RESIDENT, seed_voice.NEIGHBOUR, f"guling-{n}") for n in range(3)],
        "district": login(Role.DISTRICT_ADMIN, seed_voice.DISTRICT, "binjiang.admin"),
        "street": login(Role.STREET_ADMIN, seed_voice.STREET, "xixing.admin"),
        "worker": login(Role.COMMUNITY_WORKER, seed_voice.COMMUNITY, "dongguan.worker"),
        "grid_worker": login(Role.GRID_WORKER, seed_voice.COMMUNITY, "dongguan.grid1"),
    }
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        started = time.monotonic()
        first = seed_voice.seed_voice(client, within_s=0.2, hall="", **people)
        elapsed = time.monotonic() - started
        again = seed_voice.seed_voice(client, within_s=0.2, hall="", **people)
    return first, again, elapsed


async def _what_was_said(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT 'proposal', p.title, p.status, p.support_count, "
                "(SELECT count(*) FROM proposal_comments c WHERE c.proposal_id = p.id) "
                "FROM proposals p WHERE p.division_code IN ('330108001001', '330108001') "
                "UNION ALL SELECT 'announcement', a.title, a.target_code, a.pin, "
                "(SELECT count(*) FROM announcement_reads r WHERE r.announcement_id = a.id) "
                "FROM announcements a WHERE a.target_code IN ('330108', '330108001', '330108001001') "
                "UNION ALL SELECT 'report', r.title, r.status, 0, 0 FROM reports r "
                "WHERE r.community_code = '330108001001' ORDER BY 1, 2"
            )
        )
        return [tuple(row) for row in rows]


async def test_the_demo_voice_seeds_in_seconds_the_same_every_run(
    settings: Settings, issuer: TestIssuer, engine: AsyncEngine
) -> None:
    await truncate_tables(engine, Base.metadata)
    async with serving(settings, issuer) as url:
        first, again, elapsed = await asyncio.to_thread(_seed, url, issuer)
    assert first.startswith("ok (3 announcements, 12 proposals, one adopted in progress"), first
    assert "the grid has not taken them up yet" in first, first
    assert again == "already there"
    assert elapsed < 30, elapsed
    said = await _what_was_said(engine)
    statuses = {row[2] for row in said if row[0] == "proposal"}
    assert {"in_progress", "not_adopted", "discussing"} <= statuses
    assert [row[3] for row in said if row[1] == "东门增设非机动车充电棚"] == [30]
    assert len([row for row in said if row[0] == "report"]) == 4
    reads = {row[1]: row[4] for row in said if row[0] == "announcement"}
    assert reads == {
        "滨江区冬季用电安全提示": 15,
        "西兴街道周六义诊活动": 15,
        "东冠社区议事会议通知": 12,
    }

    await truncate_tables(engine, Base.metadata)
    async with serving(settings, issuer) as url:
        second, _, _ = await asyncio.to_thread(_seed, url, issuer)
    assert second == first
    assert await _what_was_said(engine) == said
