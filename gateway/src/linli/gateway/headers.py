"""431 for request heads beyond the configured size or number of fields, before any work."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from linli.common.errors import problem_response


class HeaderLimitMiddleware:
    """Refuses a request whose header fields exceed `max_bytes` in all or `max_count` in number.

    The ASGI server bounds what it buffers (`linli.gateway.server` stops at twice this size,
    see `linli.gateway.__main__`); this bound is the one every caller sees, as a problem
    response, and it holds in-process too, where no server parses anything.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_count: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_count = max_count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        size = sum(len(name) + len(value) for name, value in headers)
        if len(headers) <= self.max_count and size <= self.max_bytes:
            await self.app(scope, receive, send)
            return
        response = problem_response(
            Request(scope),
            status=431,
            problem="request-header-fields-too-large",
            title_en="Request header fields too large",
            title_zh="请求头过大",
            detail=(
                f"{len(headers)} header fields of {size} bytes; the gateway accepts at most "
                f"{self.max_count} fields of {self.max_bytes} bytes in all"
            ),
            extensions={"max_header_bytes": self.max_bytes, "max_header_count": self.max_count},
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
