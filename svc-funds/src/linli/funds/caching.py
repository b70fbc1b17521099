"""HTTP caching of the public pages: a short `Cache-Control`, an `ETag` of the body, and 304 Not
Modified when the client already holds it.

The pages are public money, read by anyone and often (a noticeboard screen refreshing, a
resident checking a donation); ten seconds of staleness costs nothing there, and a conditional
GET that matches costs the client no body. Checks (`ledger/check`, `audit/verify`) are never
cached: they are asked for to see the state now.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Coroutine
from typing import Any, Final

from fastapi import Request, Response

from linli.common.idempotency import IdempotentRoute

CACHE_CONTROL: Final = "public, max-age=10"
_MARK: Final = "x-linli-cache-control"
# `openapi_extra` of a public GET: the route caches, and its OpenAPI entry says how.
PUBLIC: Final[dict[str, Any]] = {_MARK: CACHE_CONTROL}


def entity_tag(body: bytes) -> str:
    """A weak validator of the body: equal bodies, equal tags."""
    return f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'


def _matches(if_none_match: str | None, tag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison against each listed tag, or `*`."""
    if not if_none_match:
        return False
    opaque = tag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == opaque:
            return True
    return False


class FundsRoute(IdempotentRoute):
    """The kernel's idempotent route, plus caching headers on the GETs marked `PUBLIC`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if not (self.openapi_extra or {}).get(_MARK):
            return handler

        async def caching_handler(request: Request) -> Response:
            response = await handler(request)
            if request.method not in ("GET", "HEAD") or response.status_code != 200:
                return response
            tag = entity_tag(bytes(response.body))
            headers = {"ETag": tag, "Cache-Control": CACHE_CONTROL}
            if _matches(request.headers.get("if-none-match"), tag):
                return Response(status_code=304, headers=headers)
            response.headers.update(headers)
            return response

        return caching_handler
