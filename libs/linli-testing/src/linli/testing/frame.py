"""The frame every service serves (health, readiness, metrics, OpenAPI, docs), checked the same way."""

from __future__ import annotations

import asyncio

import httpx

__all__ = ["check_frame"]


async def check_frame(
    client: httpx.AsyncClient, *, title: str, ready_within_s: float = 10.0
) -> None:
    """Assert `/healthz`, `/readyz` (database and NATS), `/metrics`, `/openapi.json` and `/docs` answer.

    `client` talks to the service's app with its lifespan running (`serve_app`).
    """
    health = await client.get("/healthz")
    assert health.status_code == 200, health.text
    assert health.json() == {"status": "ok"}

    # NATS connects in the background at startup (a service serves while NATS is down), so
    # readiness may take a moment to turn green.
    async with asyncio.timeout(ready_within_s):
        # Polling: readiness is the service's answer, there is no local event to await.
        while (ready := await client.get("/readyz")).status_code != 200:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "nats": "ok"}}

    openapi = await client.get("/openapi.json")
    assert openapi.status_code == 200, openapi.text
    assert openapi.json()["info"]["title"] == title

    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    assert "linli_http_requests_total" in metrics.text

    # Swagger UI must render without internet: the page names only assets the service serves,
    # and the document declares the bearer scheme behind its Authorize button.
    docs = await client.get("/docs")
    assert docs.status_code == 200, docs.text
    assert "cdn." not in docs.text and "unpkg" not in docs.text, docs.text
    document = openapi.json()
    schemes = document.get("components", {}).get("securitySchemes", {})
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for requirement in operation.get("security", []):
                for name in requirement:
                    # Bearer for people; HTTP Basic for devices (svc-grid's sensor alerts).
                    scheme = schemes.get(name, {}).get("scheme")
                    assert scheme in ("bearer", "basic"), (method, path, name)
