"""The data path as deployed: the bounded httptools server, the aiohttp sender, real sockets, and
upstreams that misbehave in the ways the sender must tell apart."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import uvicorn

from linli.gateway.__main__ import uvicorn_config
from linli.gateway.config import GatewaySettings

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


@pytest.fixture
async def raw_upstream() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """`url = await raw_upstream(handler)`: an upstream that answers with whatever bytes the
    handler writes, to make the failures a real service only makes by accident."""
    servers: list[asyncio.Server] = []

    async def start(handler: Handler) -> str:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    yield start
    for server in servers:
        server.close()


@pytest.fixture
async def serve(
    make_settings: Callable[..., Any],
) -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """`base = await serve(residents=url, **settings)`: the gateway under uvicorn as
    `python -m linli.gateway` configures it, in front of `url`."""
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []

    async def start(residents: str, **overrides: Any) -> str:
        settings: GatewaySettings = make_settings(**overrides)
        settings.upstreams = {**settings.upstreams, "residents": residents}
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        config = uvicorn_config(settings, host="127.0.0.1", port=port, log_level="warning")
        config.app = lambda: _app(settings)
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
            await asyncio.sleep(0.01)
        servers.append((server, task))
        return f"http://127.0.0.1:{port}"

    yield start
    for server, task in servers:
        server.should_exit = True
        await task


def _app(settings: GatewaySettings) -> Any:
    from linli.gateway.app import create_app

    return create_app(settings)


async def test_an_upstream_slower_than_the_read_timeout_is_a_504_problem(
    serve: Callable[..., Awaitable[str]], raw_upstream: Callable[[Handler], Awaitable[str]]
) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_head(reader)
        await asyncio.sleep(2)
        writer.close()

    base = await serve(await raw_upstream(silent), upstream_read_timeout_s=0.3)
    async with httpx.AsyncClient(base_url=base) as client:
        answer = await client.get("/api/residents/anything")

    assert answer.status_code == 504
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("/upstream-timeout")
    assert answer.json()["service"] == "residents"


async def test_an_upstream_that_dies_mid_body_drops_the_callers_connection(
    serve: Callable[..., Awaitable[str]], raw_upstream: Callable[[Handler], Awaitable[str]]
) -> None:
    async def truncated(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n" + b"x" * 1000)
        await writer.drain()
        writer.close()

    base = await serve(await raw_upstream(truncated))
    async with httpx.AsyncClient(base_url=base) as client:
        # Never a whole-looking 200: the caller sees the answer end before its length.
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/api/residents/file")
        after = await client.get("/healthz")

    assert after.status_code == 200  # the gateway itself goes on


async def test_a_small_answer_cut_short_is_a_502_problem_not_half_an_answer(
    serve: Callable[..., Awaitable[str]], raw_upstream: Callable[[Handler], Awaitable[str]]
) -> None:
    # A small answer is read whole before the gateway answers, so its loss can still be said.
    async def truncated(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n" + b"x" * 10)
        await writer.drain()
        writer.close()

    base = await serve(await raw_upstream(truncated))
    async with httpx.AsyncClient(base_url=base) as client:
        answer = await client.get("/api/residents/small")

    assert answer.status_code == 502
    assert answer.json()["type"].endswith("/bad-gateway")


async def test_a_garbled_upstream_answer_is_a_502_problem(
    serve: Callable[..., Awaitable[str]], raw_upstream: Callable[[Handler], Awaitable[str]]
) -> None:
    async def garbled(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_head(reader)
        writer.write(b"NOT HTTP AT ALL\r\n\r\n")
        await writer.drain()
        writer.close()

    base = await serve(await raw_upstream(garbled))
    async with httpx.AsyncClient(base_url=base) as client:
        answer = await client.post("/api/residents/registrations", json={})

    assert answer.status_code == 502
    assert answer.json()["type"].endswith("/bad-gateway")


async def test_a_get_on_a_pooled_connection_the_upstream_closed_is_sent_again_a_post_not(
    serve: Callable[..., Awaitable[str]], raw_upstream: Callable[[Handler], Awaitable[str]]
) -> None:
    # The upstream answers each connection's first request with keep-alive, then hangs up on
    # the second without a word: the pooled connection dies under the next GET.
    async def once_per_connection(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await _read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        await writer.drain()
        await _read_head(reader)
        writer.close()

    base = await serve(await raw_upstream(once_per_connection))
    async with httpx.AsyncClient(base_url=base) as client:
        gets = [(await client.get("/api/residents/x")).status_code for _ in range(4)]
        posts = [(await client.post("/api/residents/x", json={})) for _ in range(2)]

    assert gets == [200, 200, 200, 200]
    # The first POST goes out on the pooled connection the last GET left, and the upstream hangs
    # up: it may have reached the service, so it is never sent twice. The next one gets a fresh
    # connection.
    assert [p.status_code for p in posts] == [502, 200]
    assert posts[0].json()["type"].endswith("/bad-gateway")


async def test_bodies_and_pipelined_requests_are_not_counted_as_a_head(
    serve: Callable[..., Awaitable[str]], upstream_url: str
) -> None:
    base = await serve(upstream_url)
    host, port = base.removeprefix("http://").split(":")
    body = b"b" * 300_000  # far over the head's bound (twice 32 KiB)
    request = (
        b"POST /api/residents/echo/big HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    follow = b"GET /api/residents/echo/next HTTP/1.1\r\nHost: x\r\n\r\n"
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(request + follow)  # two requests in one write: the second is pipelined
    await writer.drain()
    answers = [await _read_answer(reader), await _read_answer(reader)]
    writer.close()

    assert [status for status, _ in answers] == [200, 200]
    assert b'"path":"/echo/next"' in answers[1][1] or b"/echo/next" in answers[1][1]


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await asyncio.wait_for(_read_head(reader), timeout=10)
    status = int(head.split(b" ", 2)[1])
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return status, await reader.readexactly(length)
