"""Run an ASGI app in-process with its lifespan, and talk to it through httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp, Receive, Scope, Send


def _state_per_request(app: ASGIApp) -> ASGIApp:
    """Give each request its own copy of the lifespan state, as uvicorn does.

    asgi-lifespan hands every request the same dict, so whatever one request stores on
    `request.state` (an idempotency claim, say) would leak into the next. It puts that dict on
    the scope itself, so this wraps the app *inside* the lifespan manager; the lifespan scope
    keeps the shared dict, where startup stores what requests read.
    """

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and "state" in scope:
            scope = {**scope, "state": dict(scope["state"])}
        await app(scope, receive, send)

    return wrapped


@asynccontextmanager
async def serve_app(
    app: ASGIApp,
    *,
    base_url: str = "http://testserver",
    headers: Mapping[str, str] | None = None,
    startup_timeout: float = 30.0,
) -> AsyncIterator[httpx.AsyncClient]:
    """`async with serve_app(app) as client:` — startup ran (engine, NATS, relay), shutdown will.

    The client talks to the app through ASGITransport: no socket, no port, same event loop.
    """
    async with LifespanManager(_state_per_request(app), startup_timeout=startup_timeout) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(
            transport=transport, base_url=base_url, headers=headers
        ) as client:
            yield client
