"""Two OS processes of svc-grid, each with its own timer poller, against one database: an SLA
timer escalates exactly once per level, and a restart of both in between loses and repeats none."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.timers import Timer
from linli.grid.config import Settings
from linli.grid.incidents.service import SLA_TIMER
from linli.grid.models import Incident
from linli.infra.embedded import free_port, wait_for_port
from linli.testing import short_type

Sessions = async_sessionmaker[AsyncSession]
Cast = Any


@contextlib.contextmanager
def replicas(settings: Settings, log_dir: Path, count: int = 2) -> Iterator[None]:
    """`count` uvicorn processes of svc-grid polling timers every 50 ms (no consumers)."""
    env = {
        **os.environ,
        "LINLI_DATABASE_URL": settings.database_url,
        "LINLI_NATS_URL": settings.nats_url,
        "LINLI_ENVIRONMENT": "test",
        "LINLI_RUN_CONSUMERS": "false",
        "LINLI_RUN_TIMERS": "true",
        "LINLI_TIMER_POLL_INTERVAL_S": "0.05",
        "LINLI_FILES_URL": str(log_dir / "files"),
    }
    processes: list[subprocess.Popen[bytes]] = []
    ports = [free_port() for _ in range(count)]
    try:
        for number, port in enumerate(ports):
            command = [
                sys.executable, "-m", "uvicorn", "--factory", "linli.grid.app:create_app",
                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
            ]  # fmt: skip
            log = (log_dir / f"replica-{number}-{port}.log").open("wb")
            processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=log))
        for port in ports:
            wait_for_port(port, timeout=60)
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(20)


async def level_of(sessionmaker: Sessions, incident_id: str) -> str:
    async with sessionmaker() as session:
        incident = await session.get(Incident, uuid.UUID(incident_id))
        assert incident is not None
        return incident.level.value


async def make_due(sessionmaker: Sessions, incident_id: str) -> None:
    """The incident's SLA deadline has passed (as if its minutes had gone by)."""
    async with sessionmaker.begin() as session:
        result = await session.execute(
            update(Timer)
            .where(Timer.kind == SLA_TIMER, Timer.key == incident_id)
            .values(due_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        assert getattr(result, "rowcount", 0) == 1


async def reaches(sessionmaker: Sessions, incident_id: str, level: str) -> None:
    async with asyncio.timeout(30):
        while True:
            if await level_of(sessionmaker, incident_id) == level:
                return
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def settled() -> AsyncIterator[None]:
    yield
    # Twenty poll intervals more: a second firing by the other replica would have happened.
    await asyncio.sleep(1.0)


async def test_two_replicas_escalate_once_per_level_across_a_restart(
    cast: Cast, settings: Settings, sessionmaker: Sessions, tmp_path: Path
) -> None:
    async with sessionmaker.begin() as session:
        await session.execute(delete(Timer))  # earlier tests' timers would fire too
    incident_id = (await cast.report())["id"]

    with replicas(settings, tmp_path):
        await make_due(sessionmaker, incident_id)
        async with settled():
            await reaches(sessionmaker, incident_id, "street")
    # Both replicas are down: the street's deadline passes while nobody polls.
    await make_due(sessionmaker, incident_id)
    with replicas(settings, tmp_path):
        async with settled():
            await reaches(sessionmaker, incident_id, "district")
        await make_due(sessionmaker, incident_id)
        async with settled():
            await reaches(sessionmaker, incident_id, "city")

    detail = await cast.read(incident_id)
    assert (detail["level"], detail["escalations"]) == ("city", 3)
    steps = [s for s in detail["timeline"] if s["action"] == "escalate"]
    assert [(s["level"], s["actor_role"]) for s in steps] == [
        ("street", "system"),
        ("district", "system"),
        ("city", "system"),
    ]
    escalated = [
        m.payload["data"]
        for m in await cast.events(incident_id)
        if short_type(m.type) == "incident.escalated"
    ]
    assert [(e["to_level"], e["copy_on"]) for e in escalated] == [
        (level, copy) for level in ("street", "district", "city") for copy in ("community", "level")
    ]
    async with sessionmaker() as session:
        # At the top nothing is armed: no timer left to fire a fourth time.
        assert await session.scalar(select(Timer).where(Timer.key == incident_id)) is None
