"""The frame of svc-grid serves health, readiness, its OpenAPI document and metrics."""

from __future__ import annotations

import asyncio

import httpx


async def test_frame_endpoints(client: httpx.AsyncClient) -> None:
    health = await client.get("/healthz")
    assert health.status_code == 200

    # NATS connects in the background at startup (a service serves while NATS is down), so
    # readiness may take a moment to turn green.
    for _ in range(100):
        ready = await client.get("/readyz")
        if ready.status_code == 200:
            break
        await asyncio.sleep(0.1)
    assert ready.json()["checks"] == {"database": "ok", "nats": "ok"}

    openapi = await client.get("/openapi.json")
    assert openapi.status_code == 200
    assert openapi.json()["info"]["title"] == "Linli grid management"

    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    assert "linli_http_requests_total" in metrics.text
