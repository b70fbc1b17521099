"""Asking the services for their figures: the proxy's pooled client, the caller's identity, and a
hard time limit per call, so one slow or dead service makes its part missing, never the report late."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.requests import Request

from linli.common.observability import REQUEST_ID_HEADER, logger

# What of the caller's request goes to the services: who they are and how they read.
_FORWARDED = ("authorization", "accept-language")


@dataclass(frozen=True, slots=True)
class Answer:
    """A service's answer: its JSON body on 200, else the status (0: no answer) and why."""

    body: Any = None
    status: int = 200
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def refused(self) -> bool:
        return self.status in (401, 403, 404)


class Upstreams:
    """One per request: the shared client, the services' base URLs, the caller's headers."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        urls: Mapping[str, str],
        *,
        headers: Mapping[str, str],
        timeout_s: float,
        concurrency: int,
        slots: asyncio.Semaphore | None = None,
    ) -> None:
        self._client = client
        self._urls = urls
        self._headers = dict(headers)
        self.timeout_s = timeout_s
        self._concurrency = concurrency
        # Shared with `as_caller` copies: the bound is per report, whoever's token asks.
        self._slots = slots or asyncio.Semaphore(concurrency)

    @classmethod
    def of(cls, request: Request) -> Upstreams:
        state = request.app.state
        headers = {name: request.headers[name] for name in _FORWARDED if name in request.headers}
        request_id = getattr(request.state, "request_id", None)
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        settings = state.settings
        return cls(
            state.http_client,
            state.upstream_urls,
            headers=headers,
            timeout_s=settings.stats_timeout_s,
            concurrency=settings.stats_concurrency,
        )

    def as_caller(self, token: str) -> Upstreams:
        """The same upstreams, asked with another token (the gateway's own, for peers)."""
        return Upstreams(
            self._client,
            self._urls,
            headers={**self._headers, "authorization": f"Bearer {token}"},
            timeout_s=self.timeout_s,
            concurrency=self._concurrency,
            slots=self._slots,
        )

    async def get(self, service: str, path: str, params: Sequence[tuple[str, str]] = ()) -> Answer:
        base = self._urls.get(service)
        if base is None:
            return Answer(status=0, reason=f"no upstream configured for {service}")
        try:
            async with self._slots, asyncio.timeout(self.timeout_s):
                response = await self._client.get(
                    base + path, params=list(params), headers=self._headers
                )
        except TimeoutError:
            logger.warning("stats upstream timed out", service=service, path=path)
            return Answer(status=0, reason=f"{service} did not answer within {self.timeout_s} s")
        except httpx.HTTPError as exc:
            logger.warning("stats upstream failed", service=service, error=type(exc).__name__)
            return Answer(status=0, reason=f"{service} unreachable ({type(exc).__name__})")
        if response.status_code != 200:
            return Answer(status=response.status_code, reason=_reason(service, response))
        try:
            return Answer(body=response.json())
        except ValueError:
            return Answer(status=502, reason=f"{service} answered something other than JSON")


def _reason(service: str, response: httpx.Response) -> str:
    detail = ""
    try:
        body = response.json()
        if isinstance(body, dict):
            detail = str(body.get("detail") or body.get("title") or "")
    except ValueError:
        pass
    return f"{service} answered {response.status_code}" + (f": {detail}" if detail else "")
