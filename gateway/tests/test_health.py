"""/healthz with the upstreams' readiness, /readyz and /metrics."""

from __future__ import annotations

import httpx


async def test_healthz_lists_every_upstream(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    upstreams = body["upstreams"]
    assert set(upstreams) == {"residents", "service-hall", "grid", "funds", "jobs-coop"}
    assert upstreams["residents"]["status"] == "ok"
    assert upstreams["residents"]["latency_ms"] >= 0
    assert upstreams["grid"]["status"] == "ok"
    assert upstreams["funds"]["status"] == "unavailable"
    assert upstreams["funds"]["error"] == "ConnectError"


async def test_readyz_checks_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


async def test_metrics_count_proxied_requests_per_service(client: httpx.AsyncClient) -> None:
    await client.get("/api/residents/echo/x")

    metrics = await client.get("/metrics")

    assert metrics.status_code == 200
    assert 'route="/api/residents/{path:path}"' in metrics.text
