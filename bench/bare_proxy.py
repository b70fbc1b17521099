"""The floor of a Python proxy on this machine, for `gateway_hot_path.py`: an ASGI app that
forwards `/api/residents/<path>` to `BARE_PROXY_UPSTREAM` on one aiohttp session and returns the
answer whole. No rate limit, request id, log line, metrics, CORS, header limits, streaming or
error answers: what uvicorn, httptools and aiohttp cost with nothing of the gateway's own."""

from __future__ import annotations

import os

import aiohttp
from starlette.types import Receive, Scope, Send

_PREFIX = "/api/residents"


class BareProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.session: aiohttp.ClientSession | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        assert self.session is not None
        headers = [(n.decode(), v.decode()) for n, v in scope["headers"] if n != b"host"]
        url = self.upstream + scope["path"].removeprefix(_PREFIX)
        async with self.session.get(url, headers=headers) as answer:
            body = await answer.read()
            await send(
                {
                    "type": "http.response.start",
                    "status": answer.status,
                    "headers": [(n.lower(), v) for n, v in answer.raw_headers],
                }
            )
            await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.session = aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(limit=512), auto_decompress=False
                )
                await send({"type": "lifespan.startup.complete"})
            else:
                if self.session is not None:
                    await self.session.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app() -> BareProxy:
    return BareProxy(os.environ["BARE_PROXY_UPSTREAM"])
