"""`/api/<service>/{path}` → `<upstream>/{path}`: streamed both ways over one pooled client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from linli.common.errors import problem_response
from linli.common.observability import logger

# RFC 9110 §7.6.1 hop-by-hop fields, plus what the gateway rewrites itself.
_HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
_DROP_REQUEST = _HOP_BY_HOP | {
    b"host",
    b"x-request-id",
    b"x-forwarded-for",
    b"x-forwarded-host",
    b"x-forwarded-proto",
    b"x-forwarded-prefix",
}
# The gateway's own server stamps date/server and the request-id middleware adds x-request-id.
_DROP_RESPONSE = _HOP_BY_HOP | {b"date", b"server", b"x-request-id"}
# Bodies up to this size are read whole: a GET can then be retried, and small POSTs avoid chunking.
_BUFFER_LIMIT = 64 * 1024
_RETRYABLE = frozenset({"GET", "HEAD"})


class UpstreamStreamBroken(Exception):
    """The upstream failed after the response head was sent; the connection must be dropped."""


def _connection_tokens(headers: list[tuple[bytes, bytes]]) -> frozenset[bytes]:
    # Fields named in `Connection` are hop-by-hop too (RFC 9110 §7.6.1).
    tokens: set[bytes] = set()
    for name, value in headers:
        if name == b"connection":
            tokens.update(t.strip().lower() for t in value.split(b","))
    return frozenset(tokens)


def _request_headers(scope: Scope, prefix: str) -> list[tuple[bytes, bytes]]:
    incoming: list[tuple[bytes, bytes]] = scope["headers"]
    extra_drop = _connection_tokens(incoming)
    headers: list[tuple[bytes, bytes]] = []
    host = b""
    for name, value in incoming:
        if name == b"host":
            host = value
        if name in _DROP_REQUEST or name in extra_drop:
            continue
        headers.append((name, value))
    # The client as the gateway resolved it (ProxyHeadersMiddleware believes a forwarded chain
    # only from trusted proxies): a client's own `X-Forwarded-For` never reaches a service.
    client = scope.get("client")
    if client:
        headers.append((b"x-forwarded-for", client[0].encode()))
    if host:
        headers.append((b"x-forwarded-host", host))
    headers.append((b"x-forwarded-proto", scope.get("scheme", "http").encode()))
    if prefix:
        headers.append((b"x-forwarded-prefix", prefix.encode()))
    request_id = scope.get("state", {}).get("request_id")
    if request_id:
        headers.append((b"x-request-id", request_id.encode()))
    return headers


def _response_headers(response: httpx.Response) -> list[tuple[bytes, bytes]]:
    raw = [(name.lower(), value) for name, value in response.headers.raw]
    extra_drop = _connection_tokens(raw)
    return [(n, v) for n, v in raw if n not in _DROP_RESPONSE and n not in extra_drop]


def _body_length(scope: Scope) -> int | None:
    """Content-Length, 0 for a bodiless request, None when the body is chunked (size unknown)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
        if name == b"transfer-encoding":
            return None
    return 0


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _stream_body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body: bytes = message.get("body", b"")
        if body:
            yield body
        if not message.get("more_body", False):
            return


@dataclass(slots=True)
class _Failure:
    status: int
    problem: str
    title_en: str
    title_zh: str


_UNREACHABLE = _Failure(
    502, "upstream-unreachable", "Upstream service unreachable", "上游服务无法连接"
)
_TIMEOUT = _Failure(504, "upstream-timeout", "Upstream service timed out", "上游服务响应超时")
_BAD_UPSTREAM = _Failure(502, "bad-gateway", "Upstream service failed", "上游服务出错")
_SATURATED = _Failure(503, "gateway-busy", "Gateway busy, retry shortly", "网关繁忙，请稍后重试")


def _classify(exc: httpx.HTTPError) -> _Failure:
    if isinstance(exc, httpx.PoolTimeout):
        return _SATURATED
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return _UNREACHABLE
    if isinstance(exc, httpx.TimeoutException):
        return _TIMEOUT
    return _BAD_UPSTREAM


@dataclass(frozen=True, slots=True)
class _RouteLabel:
    """What the request metrics read from `scope["route"]`: FastAPI's router sets it only for
    its own APIRoutes, and without it every proxied call would be counted as `unmatched`."""

    path: str


class UpstreamProxy:
    """The ASGI app behind `/api/<service>`, sending on `app.state.upstream_transport` (the
    pooled transport under the shared client) directly: a proxied call needs none of the
    client's auth, redirect or cookie handling, and its cookie jar would parse every answer.

    No database, no token check beyond what the rate limiter did: the service verifies the token
    itself, so the gateway adds one hop of latency and nothing else.
    """

    def __init__(self, service: str, base_url: str, *, public_path: str | None = None) -> None:
        self.service = service
        self.prefix = public_path or f"/api/{service}"
        self._prefix_bytes = self.prefix.encode()
        # A public path is forwarded as it is (the service serves it under the same name), so
        # the service is told of no prefix: the URLs it builds are already the public ones.
        self.base_url = base_url + public_path if public_path else base_url
        self._forwarded_prefix = "" if public_path else self.prefix
        self._label = _RouteLabel(self.prefix + "/{path:path}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self._label
        transport: httpx.AsyncBaseTransport = scope["app"].state.upstream_transport
        timeout: dict[str, float | None] = scope["app"].state.upstream_timeout
        method: str = scope["method"]
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        index = raw_path.find(self._prefix_bytes)
        rest = raw_path[index + len(self._prefix_bytes) :].decode("latin-1") or "/"
        url = self.base_url + rest
        if scope.get("query_string"):
            url += "?" + scope["query_string"].decode("latin-1")
        headers = _request_headers(scope, self._forwarded_prefix)
        length = _body_length(scope)
        content: bytes | AsyncIterator[bytes]
        if length is not None and length <= _BUFFER_LIMIT:
            content = await _read_body(receive) if length else b""
        else:
            content = _stream_body(receive)
        attempts = 2 if method in _RETRYABLE and isinstance(content, bytes) else 1
        response: httpx.Response | None = None
        for attempt in range(attempts):
            request = httpx.Request(
                method,
                url,
                headers=headers,
                content=content,
                extensions={"timeout": timeout},
            )
            try:
                response = await transport.handle_async_request(request)
                break
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Nothing was sent: safe to try a GET or HEAD once more (a fresh connection).
                if attempt + 1 < attempts:
                    continue
                await self._fail(scope, receive, send, exc)
                return
            except httpx.HTTPError as exc:
                await self._fail(scope, receive, send, exc)
                return
        assert response is not None
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": _response_headers(response),
                }
            )
            try:
                async for chunk in response.aiter_raw():
                    message: Message = {
                        "type": "http.response.body",
                        "body": chunk,
                        "more_body": True,
                    }
                    await send(message)
            except httpx.HTTPError as exc:
                logger.warning("upstream stream broken", service=self.service, error=repr(exc))
                raise UpstreamStreamBroken(self.service) from exc
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await response.aclose()

    async def _fail(self, scope: Scope, receive: Receive, send: Send, exc: httpx.HTTPError) -> None:
        failure = _classify(exc)
        logger.warning("upstream request failed", service=self.service, error=type(exc).__name__)
        response = problem_response(
            Request(scope),
            status=failure.status,
            problem=failure.problem,
            title_en=failure.title_en,
            title_zh=failure.title_zh,
            detail=f"service {self.service!r}: {type(exc).__name__}",
            extensions={"service": self.service},
        )
        await response(scope, receive, send)


class _UnknownService:
    # A class, not a function: Starlette would wrap a function as a request/response endpoint.
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = _UNKNOWN_LABEL
        await _unknown_service(scope, receive, send)


_UNKNOWN_LABEL = _RouteLabel("/api/{service}/{path:path}")


async def _unknown_service(scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope)
    name = request.path_params.get("service", "")
    response = problem_response(
        request,
        status=404,
        problem="unknown-service",
        title_en="Unknown service",
        title_zh="服务不存在",
        detail=f"no service named {name!r} behind /api",
        extensions={"services": sorted(scope["app"].state.upstream_urls)},
    )
    await response(scope, receive, send)


def unknown_service_routes() -> list[Route]:
    """The 404 for a name behind `/api` that is no service: the known services never reach the
    router (`linli.gateway.proxy.fastpath` takes them first)."""
    unknown = _UnknownService()
    return [
        Route("/api/{service}/{path:path}", endpoint=unknown, include_in_schema=False),
        Route("/api/{service}", endpoint=unknown, include_in_schema=False),
    ]
