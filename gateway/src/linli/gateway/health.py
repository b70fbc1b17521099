"""`/healthz` (the gateway and each upstream's readiness) and `/readyz` (the gateway's database)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(include_in_schema=False)


async def _probe(client: httpx.AsyncClient, base_url: str, timeout_s: float) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        response = await client.get(base_url + "/readyz", timeout=timeout_s)
    except httpx.HTTPError as exc:
        return {"status": "unavailable", "error": type(exc).__name__}
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    if response.status_code == 200:
        return {"status": "ok", "latency_ms": latency_ms}
    return {"status": "unavailable", "http_status": response.status_code, "latency_ms": latency_ms}


def _seeding(seed_file: Path | None) -> bool:
    # One stat of a local file, and only under `linli dev up`: not worth a thread.
    return seed_file is not None and not seed_file.exists()


@router.get("/healthz")
async def healthz(request: Request) -> dict[str, Any]:
    """Always 200 while the gateway runs (a liveness probe must not restart it because a service
    is down); `status` is `degraded` when any upstream is not ready, `seeding` while `linli dev
    up` is still seeding the demo city, else `ok`."""
    state = request.app.state
    urls: dict[str, str] = state.upstream_urls
    names = list(urls)
    results = await asyncio.gather(
        *(_probe(state.http_client, urls[n], state.settings.health_timeout_s) for n in names)
    )
    upstreams = dict(zip(names, results, strict=True))
    if any(r["status"] != "ok" for r in results):
        status = "degraded"
    elif _seeding(state.settings.dev_seed_file):
        status = "seeding"
    else:
        status = "ok"
    return {"status": status, "upstreams": upstreams}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready when the gateway's own database answers (logins need it; proxying does not)."""
    try:
        async with asyncio.timeout(2.0), request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready", whatever its kind
        return JSONResponse(
            {"status": "unavailable", "checks": {"database": type(exc).__name__}},
            status_code=503,
        )
    return JSONResponse({"status": "ok", "checks": {"database": "ok"}})
