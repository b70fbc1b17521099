"""The embedded servers and helpers the plugin and `linli dev up` stand on."""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import nats
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from linli.infra.embedded import group_alive
from linli.testing import (
    EmbeddedPostgres,
    NatsServer,
    create_database,
    ensure_database,
    free_port,
    port_is_free,
    serve_app,
)


def test_port_is_free_sees_a_listener() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert not port_is_free(port)
    assert port_is_free(port)
    assert port_is_free(free_port())


async def test_create_database_starts_empty_and_ensure_keeps_data(pg_server_url: str) -> None:
    url = create_database(pg_server_url, "linli_testing_probe")
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE kept (id int)"))
    finally:
        await engine.dispose()
    assert ensure_database(pg_server_url, "linli_testing_probe") == url
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT to_regclass('kept') IS NOT NULL"))
    finally:
        await engine.dispose()

    create_database(pg_server_url, "linli_testing_probe")  # drops and re-creates
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            assert not await conn.scalar(text("SELECT to_regclass('kept') IS NOT NULL"))
    finally:
        await engine.dispose()


def test_create_database_refuses_odd_names(pg_server_url: str) -> None:
    with pytest.raises(ValueError):
        create_database(pg_server_url, 'x"; DROP DATABASE postgres; --')


async def test_nats_server_restarts_on_the_same_port_with_its_messages(tmp_path: Path) -> None:
    server = NatsServer(tmp_path / "store")
    server.start()
    try:
        client = await nats.connect(server.url)
        js = client.jetstream()
        await js.add_stream(name="PROBE", subjects=["probe.>"])
        await js.publish("probe.one", b"kept")
        await client.close()

        port = server.port
        server.stop()
        assert port_is_free(port)
        server.start()
        assert server.port == port

        client = await nats.connect(server.url)
        message = await client.jetstream().get_last_msg("PROBE", "probe.one")
        assert message.data == b"kept"
        await client.close()
    finally:
        server.stop()


def test_embedded_postgres_stops_with_every_backend() -> None:
    # Outside pytest's tmp_path: see the pg_server_url fixture for why.
    root = Path(tempfile.mkdtemp(prefix="linli-test-pg-"))
    server = EmbeddedPostgres(root / "pgdata", durable=False)
    server.start()
    pid = server.pid
    assert pid is not None
    # A second handle on the same data folder attaches instead of starting a rival server.
    other = EmbeddedPostgres(root / "pgdata")
    assert other.attach()
    assert other.url == server.url
    other.stop()  # not its server: nothing happens
    assert server.is_running()
    server.stop()
    assert not group_alive(pid)
    assert not other.attach()
    shutil.rmtree(root, ignore_errors=True)


async def test_serve_app_runs_the_lifespan() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        events.append("startup")
        yield
        events.append("shutdown")

    app = FastAPI(lifespan=lifespan)

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "ok"}

    async with serve_app(app) as client:
        assert events == ["startup"]
        assert (await client.get("/ping")).json() == {"pong": "ok"}
    assert events == ["startup", "shutdown"]
