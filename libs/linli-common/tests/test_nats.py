"""The stream: created once, idempotently, even when every service starts at the same moment."""

from __future__ import annotations

import asyncio
from typing import Any

import nats as nats_py
from nats.js.api import StorageType

from linli.common.nats import DUPLICATE_WINDOW_S, NatsConnection, ensure_stream


async def test_concurrent_ensure_stream_creates_one_stream(private_nats: Any) -> None:
    clients = [await nats_py.connect(private_nats.url) for _ in range(5)]
    try:
        await asyncio.gather(*(ensure_stream(c.jetstream(), "LINLI") for c in clients))
        await ensure_stream(clients[0].jetstream(), "LINLI")
        info = await clients[0].jetstream().stream_info("LINLI")
    finally:
        for client in clients:
            await client.close()
    assert info.config.subjects == ["linli.>"]
    assert info.config.storage == StorageType.FILE
    assert info.config.duplicate_window == DUPLICATE_WINDOW_S


async def test_ensure_stream_restores_a_drifted_duplicate_window(private_nats: Any) -> None:
    client = await nats_py.connect(private_nats.url)
    try:
        js = client.jetstream()
        await js.add_stream(name="LINLI", subjects=["linli.>"], duplicate_window=5)
        await ensure_stream(js, "LINLI")
        assert (await js.stream_info("LINLI")).config.duplicate_window == DUPLICATE_WINDOW_S
    finally:
        await client.close()


async def test_connection_starts_without_nats_and_connects_when_it_appears(
    private_nats: Any,
) -> None:
    private_nats.kill()
    connection = NatsConnection(private_nats.url, connect_timeout_s=0.2)
    await connection.start()  # returns at once: a service must come up without NATS
    try:
        await asyncio.sleep(0.5)  # a few failed attempts
        assert not connection.is_connected
        private_nats.start()
        async with asyncio.timeout(15):
            js = await connection.jetstream()
        assert connection.is_connected
        assert (await js.stream_info(connection.stream)).config.subjects == ["linli.>"]
    finally:
        await connection.stop()


async def test_the_stream_keeps_its_retention_limits(private_nats: Any) -> None:
    """Max age and max bytes are set at creation and restored when they drift."""
    client = await nats_py.connect(private_nats.url)
    try:
        js = client.jetstream()
        await ensure_stream(js, "LINLI", max_age_s=3600.0, max_bytes=1024**2)
        config = (await js.stream_info("LINLI")).config
        assert (config.max_age, config.max_bytes, config.discard) == (3600.0, 1024**2, "old")
        await js.update_stream(config.evolve(max_age=600.0, max_bytes=-1))
        await ensure_stream(js, "LINLI", max_age_s=3600.0, max_bytes=1024**2)
        config = (await js.stream_info("LINLI")).config
        assert (config.max_age, config.max_bytes) == (3600.0, 1024**2)
    finally:
        await client.close()
