"""The proxy over real sockets with its production client (aiohttp pool under httpx)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from linli.gateway.app import create_app


@pytest.fixture
async def networked(
    make_settings: Callable[..., Any], upstream_url: str, down_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(upstreams={"residents": upstream_url, "funds": down_url})
    app = create_app(settings)  # no injected transport: the production client
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://gateway.test"
        ) as client,
    ):
        yield client


async def test_forwards_and_streams_over_the_network(networked: httpx.AsyncClient) -> None:
    async def body() -> AsyncIterator[bytes]:
        for i in range(100):
            yield f"{i:04d}".encode() * 512

    echoed = await networked.post(
        "/api/residents/echo/x?q=1",
        content=body(),
        headers={"Idempotency-Key": "k", "User-Agent": "miniprogram/1.0"},
    )
    small = await networked.put("/api/residents/echo/y", json={"a": 1})
    streamed = await networked.get("/api/residents/stream")
    networked.cookies.clear()  # the test client keeps cookies; the gateway must not
    second = await networked.get("/api/residents/echo/z")

    assert echoed.status_code == 200, echoed.text
    seen = echoed.json()
    assert seen["body"] == "".join(f"{i:04d}" * 512 for i in range(100))
    assert seen["query"] == "q=1"
    assert seen["headers"]["idempotency-key"] == "k"
    assert seen["headers"]["user-agent"] == "miniprogram/1.0"  # the caller's, nothing added
    assert small.json()["body"] == '{"a":1}'
    assert small.json()["headers"]["content-type"] == "application/json"
    assert streamed.text.splitlines() == [f"chunk-{i:03d}" for i in range(50)]
    assert "cookie" not in second.json()["headers"]


async def test_down_upstream_is_a_502_over_the_network(networked: httpx.AsyncClient) -> None:
    get = await networked.get("/api/funds/funds")
    post = await networked.post("/api/funds/donations", json={"amount_fen": 1})

    assert get.status_code == 502
    assert post.status_code == 502
    assert post.json()["type"].endswith("/upstream-unreachable")


async def test_healthz_over_the_network(networked: httpx.AsyncClient) -> None:
    body = (await networked.get("/healthz")).json()

    assert body["upstreams"]["residents"]["status"] == "ok"
    assert body["upstreams"]["funds"]["status"] == "unavailable"


async def test_a_post_after_an_upstream_500_is_not_a_502(networked: httpx.AsyncClient) -> None:
    # uvicorn sends the 500 as keep-alive, logs the traceback, then closes the socket: the pool
    # must not hand that connection to the next request, which a POST cannot safely retry.
    answers = []
    for i in range(5):
        failed = await networked.post("/api/residents/boom", json={})
        created = await networked.post(
            "/api/residents/registrations", json={"name": f"n{i}", "community_code": "1"}
        )
        answers.append((failed.status_code, created.status_code))

    assert answers == [(500, 200)] * 5
