"""Forwarding to upstreams: method, path, query, body, headers, streaming, failures."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from linli.gateway.config import GatewaySettings
from linli.testing.tokens import TestIssuer


async def test_forwards_method_path_query_body_and_headers(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/residents/echo/a%20b/c?x=1&y=%E4%B8%AD",
        content=b'{"hello": "world"}',
        headers={
            "Authorization": "Bearer whatever",
            "Idempotency-Key": "k-1",
            "Content-Type": "application/json",
            "X-Request-ID": "req-123",
            "X-Custom": "kept",
            "Connection": "keep-alive, X-Secret-Hop",
            "X-Secret-Hop": "dropped",
        },
    )

    assert response.status_code == 200, response.text
    seen = response.json()
    assert seen["service"] == "residents"
    assert seen["method"] == "POST"
    assert seen["raw_path"] == "/echo/a%20b/c"
    assert seen["query"] == "x=1&y=%E4%B8%AD"
    assert seen["body"] == '{"hello": "world"}'
    headers = seen["headers"]
    assert headers["authorization"] == "Bearer whatever"
    assert headers["idempotency-key"] == "k-1"
    assert headers["x-custom"] == "kept"
    assert headers["x-request-id"] == "req-123"
    assert headers["x-forwarded-for"] == "203.0.113.7"
    assert headers["x-forwarded-prefix"] == "/api/residents"
    assert headers["host"] == "residents.upstream"
    assert "x-secret-hop" not in headers
    assert response.headers["x-upstream"] == "residents"
    assert response.headers.get_list("x-request-id") == ["req-123"]


async def test_each_service_gets_its_own_upstream(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/grid/echo/incidents/7")

    assert response.json()["service"] == "grid"
    assert response.json()["method"] == "DELETE"
    assert response.json()["raw_path"] == "/echo/incidents/7"


async def test_open311_is_forwarded_to_the_grid_under_its_own_path(
    client: httpx.AsyncClient,
) -> None:
    """Open311 apps are configured with one endpoint root: /open311/v2 reaches svc-grid with the
    same path and no prefix to prepend (the URLs it builds are the public ones)."""
    response = await client.post(
        "/open311/v2/requests.xml?jurisdiction_id=330108001001",
        content=b"api_key=k&service_code=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 200, response.text
    seen = response.json()
    assert (seen["service"], seen["method"]) == ("grid", "POST")
    assert seen["raw_path"] == "/open311/v2/requests.xml"
    assert seen["query"] == "jurisdiction_id=330108001001"
    assert seen["body"] == "api_key=k&service_code=x"
    assert "x-forwarded-prefix" not in seen["headers"]
    assert (await client.get("/open311/v1/services.json")).status_code == 404


async def test_open311_is_rate_limited_like_the_api(gateway_factory: Callable[..., Any]) -> None:
    async with gateway_factory(rate_limit="2/minute") as client:
        statuses = [(await client.get("/open311/v2/services.json")).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


async def test_a_clients_forwarded_for_is_not_believed(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/residents/echo/x",
        headers={
            "X-Forwarded-For": "198.51.100.1",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Prefix": "/elsewhere",
        },
    )

    headers = response.json()["headers"]
    assert headers["x-forwarded-for"] == "203.0.113.7"  # the peer, not what it claims
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-prefix"] == "/api/residents"


async def test_a_trusted_proxys_forwarded_for_names_the_client(
    gateway_factory: Callable[..., Any],
) -> None:
    # The test client's peer address is 203.0.113.7 (see conftest).
    async with gateway_factory(gateway_trusted_proxies="203.0.113.0/24") as client:
        response = await client.get(
            "/api/residents/echo/x",
            headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9", "X-Forwarded-Proto": "https"},
        )

    headers = response.json()["headers"]
    assert headers["x-forwarded-for"] == "198.51.100.1"  # the rightmost untrusted hop
    assert headers["x-forwarded-proto"] == "https"


async def test_rate_limit_keys_on_the_address_only_a_trusted_proxy_may_name(
    gateway_factory: Callable[..., Any],
) -> None:
    async with gateway_factory(rate_limit="2/minute") as client:
        # A client rotating X-Forwarded-For is still one address to the limiter.
        statuses = [
            (
                await client.get(
                    "/api/residents/echo/x", headers={"X-Forwarded-For": f"10.0.0.{i}"}
                )
            ).status_code
            for i in range(3)
        ]
    async with gateway_factory(
        rate_limit="2/minute", gateway_trusted_proxies="203.0.113.7"
    ) as client:
        behind_proxy = [
            (
                await client.get(
                    "/api/residents/echo/x", headers={"X-Forwarded-For": f"10.0.0.{i}"}
                )
            ).status_code
            for i in range(3)
        ]

    assert statuses == [200, 200, 429]
    assert behind_proxy == [200, 200, 200]  # three clients behind one trusted proxy


async def test_generates_a_request_id_when_none_is_given(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/residents/echo/x")

    assert response.headers["x-request-id"] == response.json()["headers"]["x-request-id"]


async def test_streams_a_chunked_request_body_and_a_streamed_response(
    client: httpx.AsyncClient,
) -> None:
    async def body() -> AsyncIterator[bytes]:
        for i in range(200):
            yield f"{i:04d}".encode() * 256  # 200 KiB in all, above the buffering limit

    echoed = await client.put("/api/residents/echo/upload", content=body())
    streamed = await client.get("/api/residents/stream")

    assert echoed.status_code == 200
    assert echoed.json()["body"] == "".join(f"{i:04d}" * 256 for i in range(200))
    assert streamed.status_code == 200
    assert streamed.text.splitlines() == [f"chunk-{i:03d}" for i in range(50)]


async def test_upstream_cookies_are_not_kept_by_the_shared_client(
    client: httpx.AsyncClient,
) -> None:
    first = await client.get("/api/residents/echo/a")
    client.cookies.clear()  # the test client keeps cookies; the gateway must not
    second = await client.get("/api/residents/echo/b")

    assert first.headers["set-cookie"].startswith("session=upstream")
    assert "cookie" not in second.json()["headers"]


async def test_an_invalid_token_is_passed_on_for_the_service_to_refuse(
    client: httpx.AsyncClient,
) -> None:
    refused = await client.get("/api/residents/whoami", headers={"Authorization": "Bearer bad"})
    accepted = await client.get("/api/residents/whoami", headers={"Authorization": "Bearer good"})

    assert refused.status_code == 401
    assert accepted.status_code == 200


async def test_upstream_down_is_a_502_problem(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/funds/donations", json={"amount_fen": 100})

    assert response.status_code == 502
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/upstream-unreachable")
    assert problem["service"] == "funds"
    assert problem["request_id"] == response.headers["x-request-id"]


async def test_unknown_service_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/nope/things", headers={"Accept-Language": "zh-CN"})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/unknown-service")
    assert response.json()["title"] == "服务不存在"


async def test_rate_limit_answers_429_with_retry_after(
    gateway_factory: Callable[..., Any],
) -> None:
    issuer_free_token = {"Authorization": "Bearer not-a-gateway-token"}
    async with gateway_factory(rate_limit="3/minute") as client:
        statuses = [
            (await client.get("/api/residents/echo/x", headers=issuer_free_token)).status_code
            for _ in range(3)
        ]
        limited = await client.get("/api/residents/echo/x")
        health = await client.get("/healthz")

    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json()["type"].endswith("/rate-limited")
    assert health.status_code == 200  # health and metrics are never limited


async def test_exempt_paths_spend_no_budget(gateway_factory: Callable[..., Any]) -> None:
    """A payment provider's burst of confirmations is never refused, and costs the address
    nothing on other paths."""
    exempt = "/api/residents/echo/callbacks/"
    async with gateway_factory(rate_limit="2/minute", rate_limit_exempt_paths=[exempt]) as client:
        burst = [(await client.post(exempt + "dev", json={})).status_code for _ in range(5)]
        after = [(await client.get("/api/residents/echo/x")).status_code for _ in range(3)]

    assert burst == [200] * 5
    assert after == [200, 200, 429]


async def test_the_payment_callbacks_are_exempt_by_default(
    make_settings: Callable[..., GatewaySettings],
) -> None:
    assert "/api/funds/donations/callbacks/" in make_settings().rate_limit_exempt_paths


async def test_rate_limit_keys_by_token_subject_not_ip(
    gateway_factory: Callable[..., Any],
) -> None:
    async with gateway_factory(rate_limit="2/minute") as client:
        await client.post("/auth/resident/login", json={"code": "dev:a"})  # spends 1 of the IP's
        pair = (await client.post("/auth/resident/login", json={"code": "dev:b"})).json()
        anonymous = await client.get("/api/residents/echo/x")  # the IP's third call
        bearer = {"Authorization": f"Bearer {pair['access_token']}"}
        with_token = [
            (await client.get("/api/residents/echo/x", headers=bearer)).status_code
            for _ in range(3)
        ]

    assert anonymous.status_code == 429
    assert with_token == [200, 200, 429]


async def test_tokens_of_another_issuer_count_as_anonymous(
    gateway_factory: Callable[..., Any],
) -> None:
    foreign = TestIssuer().headers(roles=["resident"])
    async with gateway_factory(rate_limit="1/minute") as client:
        first = await client.get("/api/residents/echo/x", headers=foreign)
        second = await client.get("/api/residents/echo/x")

    assert first.status_code == 200
    assert second.status_code == 429


async def test_cors_preflight_and_headers(client: httpx.AsyncClient) -> None:
    preflight = await client.options(
        "/api/residents/registrations",
        headers={
            "Origin": "https://mini.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, idempotency-key, content-type",
        },
    )
    actual = await client.get("/api/residents/echo/x", headers={"Origin": "https://mini.example"})
    stranger = await client.options(
        "/api/residents/registrations",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://mini.example"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "idempotency-key" in preflight.headers["access-control-allow-headers"].lower()
    assert actual.headers["access-control-allow-origin"] == "https://mini.example"
    assert "x-request-id" in actual.headers["access-control-expose-headers"].lower()
    assert stranger.status_code == 400
