"""Per-principal rate limits (moving window): the token's subject, else the client's IP."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    SlidingWindowCounterRateLimiter,
)
from limits.aio.strategies import (
    RateLimiter as LimitsStrategy,
)
from limits.storage import storage_from_string
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from linli.common.errors import problem_response
from linli.common.observability import logger
from linli.gateway.config import PUBLIC_PATHS

if TYPE_CHECKING:  # the auth package imports this module's storage helper
    from linli.gateway.auth.tokens import TokenSigner

_LIMITED_PREFIXES = ("/api/", "/auth/", *(f"{path}/" for path in PUBLIC_PATHS))
# Moving window is exact but keeps one timestamp per hit (memory storage inserts into a list,
# so a budget of thousands per key costs per hit); the counter strategies are O(1).
STRATEGIES: dict[str, type[LimitsStrategy]] = {
    "moving-window": MovingWindowRateLimiter,
    "sliding-window-counter": SlidingWindowCounterRateLimiter,
    "fixed-window": FixedWindowRateLimiter,
}


class RateLimiter:
    """One budget per key; `hit` answers None when allowed, else the seconds to wait."""

    def __init__(
        self, limit: str, *, storage_url: str | None = None, strategy: str = "moving-window"
    ) -> None:
        self.item: RateLimitItem = parse(limit)
        self.storage = limits_storage(storage_url)
        self._limiter: LimitsStrategy = STRATEGIES[strategy](self.storage)

    async def hit(self, key: str) -> int | None:
        if await self._limiter.hit(self.item, key):
            return None
        stats = await self._limiter.get_window_stats(self.item, key)
        return max(1, math.ceil(stats.reset_time - time.time()))


def limits_storage(url: str | None) -> Storage:
    """Memory, or the shared store at `url` (`redis://…`) so that replicas count together."""
    if not url:
        return MemoryStorage()
    # `limits` picks its asyncio storages by the `async+` scheme prefix.
    storage = storage_from_string(url if url.startswith("async+") else f"async+{url}")
    if not isinstance(storage, Storage):
        raise ValueError(f"not an asyncio rate-limit storage: {url!r}")
    return storage


def _bearer(scope: Scope) -> str | None:
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token:
                return token.strip()
            return None
    return None


class RateLimitMiddleware:
    """429 problem+json with `Retry-After` once a principal spends its budget.

    The token is checked only to pick the key: an invalid one counts against the client's IP and
    is then passed on, because the service behind is the one that answers 401.
    """

    def __init__(self, app: ASGIApp, *, exempt_paths: Sequence[str] = ()) -> None:
        self.app = app
        self.exempt_paths = tuple(exempt_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not scope["path"].startswith(_LIMITED_PREFIXES)
            or scope["path"].startswith(self.exempt_paths)
        ):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        limiter: RateLimiter | None = state.rate_limiter
        if limiter is None:
            await self.app(scope, receive, send)
            return
        signer: TokenSigner = state.auth_policy.signer
        token = _bearer(scope)
        subject = signer.subject_of(token) if token else None
        if subject is not None:
            key = "sub:" + subject
        else:
            client = scope.get("client")
            key = "ip:" + (client[0] if client else "unknown")
        try:
            retry_after = await limiter.hit(key)
        except Exception as exc:  # storage down (Redis): fail open rather than refuse everyone
            logger.warning("rate limit storage unavailable", error=repr(exc))
            retry_after = None
        if retry_after is None:
            await self.app(scope, receive, send)
            return
        response = problem_response(
            Request(scope),
            status=429,
            problem="rate-limited",
            title_en="Too many requests",
            title_zh="请求过于频繁",
            detail=f"limit {limiter.item} exceeded; retry in {retry_after} s",
            extensions={"retry_after": retry_after},
            headers={"Retry-After": str(retry_after)},
        )
        await response(scope, receive, send)
