"""How the proxy reaches a service: aiohttp's pool in production, an httpx transport in tests.

The proxy (`forward.UpstreamProxy`) decides what to send and what to answer; a sender only
moves one request and its response, and says how it failed in the proxy's words (`Failure`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

import aiohttp
import httpx
from aiohttp.connector import Connection

Headers = list[tuple[bytes, bytes]]
Content = bytes | AsyncIterator[bytes]


class Failure(Enum):
    """Why an upstream call failed, as the caller is told (see `forward._ANSWERS`)."""

    UNREACHABLE = "unreachable"  # nothing was sent: a GET may be tried once more
    TIMEOUT = "timeout"
    SATURATED = "saturated"  # the gateway's own pool is full
    BAD_UPSTREAM = "bad-upstream"


class UpstreamFailed(Exception):
    def __init__(self, failure: Failure, cause: BaseException) -> None:
        super().__init__(f"{failure.value}: {type(cause).__name__}")
        self.failure = failure
        self.cause = cause


class UpstreamStreamBroken(Exception):
    """The upstream failed after the response head was sent; the connection must be dropped."""


@dataclass(slots=True)
class UpstreamResponse:
    status: int
    headers: Headers  # names lower-cased, as received
    # The whole body when it was small and of a known length (read before answering: one send
    # to the caller, and a failure while reading is still a problem response); else chunks as
    # they come, raising UpstreamStreamBroken.
    body: bytes | AsyncIterator[bytes]
    close: Callable[[], Awaitable[None]]


# Bodies up to this size, with a Content-Length, are read whole before the answer starts.
WHOLE_BODY_LIMIT = 64 * 1024


async def _nothing_to_close() -> None:
    return None


class Sender(Protocol):
    """Sends one request to a service; raises UpstreamFailed when no answer came."""

    async def send(
        self, method: str, url: str, headers: Headers, content: Content
    ) -> UpstreamResponse: ...

    async def aclose(self) -> None: ...


# --- production: aiohttp ---------------------------------------------------------------------


class _UpstreamResponse(aiohttp.ClientResponse):
    """A response whose connection is closed, never pooled, when its status is a 5xx.

    uvicorn (like most servers) answers an unhandled error with a keep-alive 500, then logs the
    traceback and closes the socket without a `Connection: close`: pooled, that connection was
    handed to the next request and died under it, and a POST, which may not be retried once it
    may have reached the upstream, became a 502.
    """

    async def start(self, connection: Connection) -> aiohttp.ClientResponse:
        protocol = connection.protocol
        await super().start(connection)
        if self.status >= 500 and protocol is not None:
            if self.connection is None:
                # The whole (small) body came with the head: the connection is already pooled.
                protocol.close()
            else:
                protocol.force_close()  # closed instead of pooled once the body is read
        return self


def upstream_session(*, max_connections: int, keepalive_s: float) -> aiohttp.ClientSession:
    """The one pool to the services (the proxy's, and under the gateway's httpx client); made
    inside the running loop."""
    return aiohttp.ClientSession(
        response_class=_UpstreamResponse,
        connector=aiohttp.TCPConnector(
            limit=max_connections,
            # Below the upstream's own idle timeout, so the gateway drops an idle connection
            # before the upstream closes it under a request in flight.
            keepalive_timeout=keepalive_s,
            # One DNS answer per host for 5 minutes: compose and Kubernetes names are stable.
            ttl_dns_cache=300,
        ),
        cookie_jar=aiohttp.DummyCookieJar(),
        # The caller's own headers pass through; aiohttp must not add or decode anything.
        skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
        auto_decompress=False,
        raise_for_status=False,
    )


def _aiohttp_failure(exc: BaseException) -> Failure:
    # Timeouts first: aiohttp's connect timeout is also a connection error.
    if isinstance(exc, aiohttp.ServerTimeoutError | TimeoutError):
        return Failure.TIMEOUT
    if isinstance(exc, aiohttp.ClientConnectorError):
        return Failure.UNREACHABLE  # no connection was made: nothing was sent
    # A reset or a close before the answer: the request may have reached the service. aiohttp
    # itself sends an idempotent request once more when a pooled connection was closed under it.
    return Failure.BAD_UPSTREAM


class AiohttpSender(Sender):
    """Straight onto aiohttp's session: issue 7's profile had httpx's request model (URL
    parsing, header normalisation) and its aiohttp adapter at a seventh of a proxied call."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        connect_timeout_s: float,
        read_timeout_s: float,
    ) -> None:
        self.session = session
        # `connect` bounds the wait for a pooled connection too, `sock_read` each read.
        self._timeout = aiohttp.ClientTimeout(
            total=None,
            connect=connect_timeout_s,
            sock_connect=connect_timeout_s,
            sock_read=read_timeout_s,
        )

    async def send(
        self, method: str, url: str, headers: Headers, content: Content
    ) -> UpstreamResponse:
        try:
            response = await self.session.request(
                method,
                url,
                headers=[(n.decode("latin-1"), v.decode("latin-1")) for n, v in headers],
                data=content or None,
                allow_redirects=False,
                compress=False,
                timeout=self._timeout,
            )
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise UpstreamFailed(_aiohttp_failure(exc), exc) from exc
        headers = [(n.lower(), v) for n, v in response.raw_headers]
        length = response.content_length
        if length is None or length > WHOLE_BODY_LIMIT:
            return UpstreamResponse(
                response.status, headers, _aiohttp_body(response), _release(response)
            )
        try:
            whole = await response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise UpstreamFailed(_aiohttp_failure(exc), exc) from exc
        finally:
            response.release()
        return UpstreamResponse(response.status, headers, whole, _nothing_to_close)

    async def aclose(self) -> None:
        await self.session.close()


async def _aiohttp_body(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.content.iter_any():
            yield chunk
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise UpstreamStreamBroken(repr(exc)) from exc


def _release(response: aiohttp.ClientResponse) -> Callable[[], Awaitable[None]]:
    async def close() -> None:
        # Back to the pool when the body was read to its end, else the connection is closed.
        response.release()

    return close


# --- in-process tests: an httpx transport ----------------------------------------------------


def _httpx_failure(exc: httpx.HTTPError) -> Failure:
    if isinstance(exc, httpx.PoolTimeout):
        return Failure.SATURATED
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return Failure.UNREACHABLE
    if isinstance(exc, httpx.TimeoutException):
        return Failure.TIMEOUT
    return Failure.BAD_UPSTREAM


class HttpxSender(Sender):
    """Onto any httpx transport: `linli.gateway.proxy.RoutingTransport` sends each service to
    an in-process app, so the proxy's rules are tested without ports."""

    def __init__(self, transport: httpx.AsyncBaseTransport, *, timeout: httpx.Timeout) -> None:
        self.transport = transport
        self._timeout = timeout.as_dict()

    async def send(
        self, method: str, url: str, headers: Headers, content: Content
    ) -> UpstreamResponse:
        request = httpx.Request(
            method, url, headers=headers, content=content, extensions={"timeout": self._timeout}
        )
        try:
            response = await self.transport.handle_async_request(request)
        except httpx.HTTPError as exc:
            raise UpstreamFailed(_httpx_failure(exc), exc) from exc
        headers = [(name.lower(), value) for name, value in response.headers.raw]
        length = response.headers.get("content-length")
        if not (length and length.isdigit() and int(length) <= WHOLE_BODY_LIMIT):
            return UpstreamResponse(
                response.status_code, headers, _httpx_body(response), response.aclose
            )
        try:
            whole = b"".join([chunk async for chunk in response.aiter_raw()])
        except httpx.HTTPError as exc:
            raise UpstreamFailed(_httpx_failure(exc), exc) from exc
        finally:
            await response.aclose()
        return UpstreamResponse(response.status_code, headers, whole, _nothing_to_close)

    async def aclose(self) -> None:
        await self.transport.aclose()


async def _httpx_body(response: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.aiter_raw():
            yield chunk
    except httpx.HTTPError as exc:
        raise UpstreamStreamBroken(repr(exc)) from exc
