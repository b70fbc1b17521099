"""serve_app gives each request its own state, as uvicorn does, and every request the lifespan's."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request

from linli.testing import serve_app


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[dict[str, str]]:
    yield {"engine": "started"}


def _app() -> FastAPI:
    app = FastAPI(lifespan=_lifespan)

    @app.get("/claim")
    async def claim(request: Request) -> dict[str, object]:
        seen = getattr(request.state, "claim", None)
        request.state.claim = "mine"
        return {"seen": seen, "engine": request.state.engine}

    return app


async def test_what_a_request_stores_on_its_state_does_not_reach_the_next() -> None:
    async with serve_app(_app()) as client:
        first = (await client.get("/claim")).json()
        second = (await client.get("/claim")).json()

    assert first == {"seen": None, "engine": "started"}
    assert second == {"seen": None, "engine": "started"}
