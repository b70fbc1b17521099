"""`/api/<service>/{path}` → `<upstream>/{path}`: streamed both ways over one pooled client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from linli.common.errors import problem_response
from linli.common.observability import logger
from linli.gateway.proxy.senders import (
    Content,
    Failure,
    Sender,
    UpstreamFailed,
    UpstreamStreamBroken,
)

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


def _response_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
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


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    problem: str
    title_en: str
    title_zh: str


_ANSWERS = {
    Failure.UNREACHABLE: _Answer(
        502, "upstream-unreachable", "Upstream service unreachable", "上游服务无法连接"
    ),
    Failure.TIMEOUT: _Answer(
        504, "upstream-timeout", "Upstream service timed out", "上游服务响应超时"
    ),
    Failure.BAD_UPSTREAM: _Answer(502, "bad-gateway", "Upstream service failed", "上游服务出错"),
    Failure.SATURATED: _Answer(
        503, "gateway-busy", "Gateway busy, retry shortly", "网关繁忙，请稍后重试"
    ),
}


@dataclass(frozen=True, slots=True)
class _RouteLabel:
    """What the request metrics read from `scope["route"]`: FastAPI's router sets it only for
    its own APIRoutes, and without it every proxied call would be counted as `unmatched`."""

    path: str


class UpstreamProxy:
    """The ASGI app behind `/api/<service>`, sending with `app.state.upstream_sender`
    (`linli.gateway.proxy.senders`): straight onto the pool, since a proxied call needs none of
    an HTTP client's auth, redirect or cookie handling.

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
        sender: Sender = scope["app"].state.upstream_sender
        method: str = scope["method"]
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        index = raw_path.find(self._prefix_bytes)
        rest = raw_path[index + len(self._prefix_bytes) :].decode("latin-1") or "/"
        url = self.base_url + rest
        if scope.get("query_string"):
            url += "?" + scope["query_string"].decode("latin-1")
        headers = _request_headers(scope, self._forwarded_prefix)
        length = _body_length(scope)
        content: Content
        if length is not None and length <= _BUFFER_LIMIT:
            content = await _read_body(receive) if length else b""
        else:
            content = _stream_body(receive)
        attempts = 2 if method in _RETRYABLE and isinstance(content, bytes) else 1
        for attempt in range(attempts):
            try:
                response = await sender.send(method, url, headers, content)
                break
            except UpstreamFailed as exc:
                # Nothing was sent: safe to try a GET or HEAD once more (a fresh connection).
                if exc.failure is Failure.UNREACHABLE and attempt + 1 < attempts:
                    continue
                await self._fail(scope, receive, send, exc)
                return
        start: Message = {
            "type": "http.response.start",
            "status": response.status,
            "headers": _response_headers(response.headers),
        }
        if isinstance(response.body, bytes):
            await send(start)
            await send({"type": "http.response.body", "body": response.body})
            return
        try:
            await send(start)
            try:
                async for chunk in response.body:
                    message: Message = {
                        "type": "http.response.body",
                        "body": chunk,
                        "more_body": True,
                    }
                    await send(message)
            except UpstreamStreamBroken as exc:
                logger.warning("upstream stream broken", service=self.service, error=str(exc))
                raise
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await response.close()

    async def _fail(self, scope: Scope, receive: Receive, send: Send, exc: UpstreamFailed) -> None:
        answer = _ANSWERS[exc.failure]
        cause = type(exc.cause).__name__
        logger.warning("upstream request failed", service=self.service, error=cause)
        response = problem_response(
            Request(scope),
            status=answer.status,
            problem=answer.problem,
            title_en=answer.title_en,
            title_zh=answer.title_zh,
            detail=f"service {self.service!r}: {cause}",
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
