"""The frame of svc-residents serves health, readiness, its OpenAPI document and metrics."""

from __future__ import annotations

import httpx

from linli.testing import check_frame


async def test_frame_endpoints(client: httpx.AsyncClient) -> None:
    await check_frame(client, title="Linli residents registry")
