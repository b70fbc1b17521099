"""An httpx transport that routes by origin: tests send each upstream to an in-process app."""

from __future__ import annotations

from collections.abc import Mapping

import httpx


class RoutingTransport(httpx.AsyncBaseTransport):
    """`{"http://127.0.0.1:8101": httpx.ASGITransport(app)}` or `{"residents.internal": ...}`
    (a bare host[:port] matches any scheme); other origins go to `default` (a real network
    transport unless given), so a test can also point at a dead port."""

    def __init__(
        self,
        routes: Mapping[str, httpx.AsyncBaseTransport],
        *,
        default: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._routes = {key.rstrip("/").lower(): t for key, t in routes.items()}
        self._default = default or httpx.AsyncHTTPTransport()

    def route(self, origin: str, transport: httpx.AsyncBaseTransport | None) -> None:
        """Send `origin` to another transport from now on, or (None) to `default`: a test stops
        or swaps a service under a running gateway."""
        key = origin.rstrip("/").lower()
        if transport is None:
            self._routes.pop(key, None)
        else:
            self._routes[key] = transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        netloc = request.url.netloc.decode("ascii").lower()
        transport = (
            self._routes.get(f"{request.url.scheme}://{netloc}")
            or self._routes.get(netloc)
            or self._default
        )
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        for transport in {id(t): t for t in [*self._routes.values(), self._default]}.values():
            await transport.aclose()
