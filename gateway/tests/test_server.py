"""The gateway as `python -m linli.gateway` serves it: bounded heads, no proxy headers believed."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import uvicorn

from linli.gateway.__main__ import uvicorn_config
from linli.gateway.config import GatewaySettings


async def test_too_many_or_too_large_header_fields_are_a_431_problem(
    client: httpx.AsyncClient,
) -> None:
    many = await client.get("/api/residents/echo/x", headers={f"x-h{i}": "v" for i in range(150)})
    large = await client.get("/api/residents/echo/x", headers={"x-big": "a" * 40_000})
    fine = await client.get("/api/residents/echo/x", headers={"x-ok": "a" * 8_000})

    assert many.status_code == 431
    assert many.headers["content-type"] == "application/problem+json"
    assert many.json()["type"].endswith("/request-header-fields-too-large")
    assert large.status_code == 431
    assert large.json()["max_header_bytes"] == 32 * 1024
    assert fine.status_code == 200


@pytest.fixture
async def served_gateway(make_settings: Callable[..., Any]) -> AsyncIterator[tuple[str, int]]:
    """The gateway under uvicorn exactly as `python -m linli.gateway` configures it."""
    settings: GatewaySettings = make_settings(rate_limit="2/minute")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    config = uvicorn_config(settings, host="127.0.0.1", port=port)
    config.app = lambda: _app(settings)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
        await asyncio.sleep(0.01)
    yield "127.0.0.1", port
    server.should_exit = True
    await task


def _app(settings: GatewaySettings) -> Any:
    from linli.gateway.app import create_app

    return create_app(settings)


async def _raw_request(host: str, port: int, head: bytes) -> tuple[int, bytes]:
    """Send `head` in pieces; how much went out before the server hung up, and its answer."""
    reader, writer = await asyncio.open_connection(host, port)
    sent = 0
    try:
        for start in range(0, len(head), 65_536):
            writer.write(head[start : start + 65_536])
            await writer.drain()
            sent = start + 65_536
    except ConnectionError:
        pass  # the server closed before reading everything
    try:
        answer = await asyncio.wait_for(reader.read(), timeout=10)
    except ConnectionError:
        answer = b""  # its 400 may be lost to the reset our unread bytes caused
    writer.close()
    return min(sent, len(head)), answer


async def test_the_server_stops_reading_a_huge_head(served_gateway: tuple[str, int]) -> None:
    host, port = served_gateway
    huge = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 16_000_000 + b"\r\n\r\n"
    over_app_limit = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n"

    sent, refused = await _raw_request(host, port, huge)
    _, problem = await _raw_request(host, port, over_app_limit)

    # The server hung up long before 16 MB: it never buffered the head whole (httptools did).
    assert sent < len(huge)
    assert refused == b"" or refused.startswith(b"HTTP/1.1 400 ")
    # Between the app's limit and the server's, the app answers with its problem.
    assert problem.startswith(b"HTTP/1.1 431 ")
    assert b"application/problem+json" in problem


async def test_a_local_peer_cannot_pick_its_address_with_forwarded_for(
    served_gateway: tuple[str, int],
) -> None:
    host, port = served_gateway
    async with httpx.AsyncClient(base_url=f"http://{host}:{port}") as client:
        statuses = [
            (
                await client.get("/api/residents/x", headers={"X-Forwarded-For": f"10.0.0.{i}"})
            ).status_code
            for i in range(3)
        ]

    # uvicorn's default believed any 127.0.0.1 peer: each call was a new address, never limited.
    assert statuses[2] == 429
