"""The daily-life demo (`linli.cli.seed_courses`) run over HTTP against this service served by
uvicorn, as the gateway passes it through: it seeds in seconds, once, with oversubscribed
courses allocated by the lottery within the rules, and the community's volunteers ranked."""

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

from linli.cli import seed_courses
from linli.common.auth import Role
from linli.infra.embedded import free_port
from linli.service_hall.app import create_app
from linli.service_hall.config import Settings
from linli.service_hall.models import Base
from linli.testing import truncate_tables
from linli.testing.tokens import TestIssuer

ResidentMaker = Any


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


def _seed(
    base_url: str, staff: dict[str, str], residents: list[str], elders: list[str]
) -> tuple[str, str, float, dict[str, Any]]:
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        started = time.monotonic()
        first = seed_courses.seed_courses(
            client, staff=staff, residents=residents, elders=elders, hall=""
        )
        elapsed = time.monotonic() - started
        again = seed_courses.seed_courses(
            client, staff=staff, residents=residents, elders=elders, hall=""
        )
        ranking = client.get(
            "/volunteer-ranking", params={"community_code": seed_courses.COMMUNITY}, headers=staff
        ).json()
    return first, again, elapsed, ranking


async def test_the_daily_life_demo_seeds_in_seconds_once(
    settings: Settings, issuer: TestIssuer, engine: AsyncEngine, make_resident: ResidentMaker
) -> None:
    await truncate_tables(engine, Base.metadata)
    community = seed_courses.COMMUNITY
    residents = [
        str((await make_resident(community_code=community)).resident_id) for _ in range(36)
    ]
    elders = [
        str((await make_resident(community_code=community, birth_year=1950)).resident_id)
        for _ in range(6)
    ]
    staff = issuer.headers(roles=[Role.STREET_ADMIN], scope=seed_courses.STREET, subject="xixing")
    async with serving(settings, issuer) as url:
        first, again, elapsed, ranking = await asyncio.to_thread(
            _seed, url, staff, residents, elders
        )
    assert first.startswith("ok (1 term, 20 courses,"), first
    assert again == "already there"
    assert elapsed < 60, elapsed  # some 400 calls; seconds alone, more on a busy machine
    async with engine.connect() as connection:
        over = (
            await connection.execute(
                text(
                    "SELECT count(*) FILTER (WHERE chosen_count > capacity), "
                    "count(*) FILTER (WHERE allocated_count > capacity), "
                    "bool_and(allocated_count = least(chosen_count, capacity)) FROM courses"
                )
            )
        ).one()
        most = await connection.scalar(
            text(
                "SELECT max(n) FROM (SELECT count(*) AS n FROM course_choices "
                "WHERE status = 'allocated' GROUP BY resident_id) AS per_member"
            )
        )
    assert over[0] >= 3 and over[1] == 0, over
    assert most is not None and most <= 5
    assert len(ranking["entries"]) == 10  # three activities of eight, overlapping
    totals = [e["total_minutes"] for e in ranking["entries"]]
    assert totals == sorted(totals, reverse=True) and totals[-1] > 0
