"""Failed staff logins, counted per account and source address (moving window, `limits`)."""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter

from linli.gateway.proxy.ratelimit import limits_storage


class LoginThrottle:
    """`max_failures` wrong attempts from one address within `window_s` lock that address out of
    that account until the oldest of them leaves the window.

    Counting per account alone let anyone lock `city.admin` out with five requests; per account
    and source, the guesser is stopped and the owner, from elsewhere, still logs in. Unknown
    user names count the same as real ones, so the answers never tell them apart.
    """

    def __init__(self, *, max_failures: int, window_s: int, storage_url: str | None = None) -> None:
        self.item = RateLimitItemPerSecond(max_failures, window_s)
        self._limiter = MovingWindowRateLimiter(limits_storage(storage_url))

    @staticmethod
    def _key(username: str, source: str) -> str:
        return f"login-failures:{source}:{username}"

    async def locked_for(self, username: str, source: str) -> int | None:
        """Seconds this source must still wait before trying this account, or None."""
        key = self._key(username, source)
        if await self._limiter.test(self.item, key):
            return None
        return await self._retry_after(key)

    async def failed(self, username: str, source: str) -> int | None:
        """Count a failure; the seconds of lockout when it was the last one allowed, else None."""
        key = self._key(username, source)
        await self._limiter.hit(self.item, key)
        if await self._limiter.test(self.item, key):
            return None
        return await self._retry_after(key)

    async def succeeded(self, username: str, source: str) -> None:
        await self._limiter.clear(self.item, self._key(username, source))

    async def _retry_after(self, key: str) -> int:
        stats = await self._limiter.get_window_stats(self.item, key)
        return max(1, math.ceil(stats.reset_time - time.time()))
