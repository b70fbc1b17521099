"""JSON logs carrying the request id, request metrics, and the /metrics endpoint."""

from __future__ import annotations

import logging
import os
import random
import re
import sys
import time
from typing import Any

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

HTTP_REQUESTS = Counter(
    "linli_http_requests_total", "HTTP requests handled", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "linli_http_request_duration_seconds", "HTTP request latency", ["service", "method", "route"]
)

logger = structlog.get_logger("linli")


class _StdoutLogger:
    """structlog's PrintLogger, but on the `sys.stdout` of the moment each line is written
    (tests capture stdout per test; a logger made earlier must not write to a closed capture)."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stdout, flush=True)

    log = debug = info = warn = warning = msg
    fatal = failure = err = error = critical = exception = msg


def _stdout_logger(*_: Any) -> _StdoutLogger:
    return _STDOUT


_STDOUT = _StdoutLogger()
# The request line's logger, made once per configuration: the lazy `logger` builds a bound
# logger on every call (a tenth of the line's cost, and 3 % of a proxied call when the line is
# below the level and written nowhere).
_request_log: Any = logger


def configure_logging(*, level: str = "INFO", json: bool = True) -> None:
    """Route stdlib and structlog records through one JSON renderer on stdout."""
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    # Colours only for a terminal: structlog colours whatever the stream, and `linli dev up`'s
    # log files would carry ANSI escapes (NO_COLOR, https://no-color.org, turns them off too).
    colors = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=colors)
    )
    # Our own lines go straight from structlog to stdout, not through stdlib's records,
    # handlers and formatter: 10 µs a line instead of 21 (structlog's "Performance" advice),
    # a fifth of a proxied call in the gateway at INFO. A line below the level stops at the
    # filtering logger's no-op method. Not cached on first use: tests and `linli dev` configure
    # again (another level, another renderer), and a cached logger would keep the old ones.
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=_stdout_logger,
        cache_logger_on_first_use=False,
    )
    global _request_log
    _request_log = structlog.get_logger("linli").bind()
    # Other libraries' lines (uvicorn, SQLAlchemy, Alembic, aiohttp) keep stdlib logging, and
    # are rendered the same way.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(foreign_pre_chain=processors, processor=renderer)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's own logging config (applied whenever a uvicorn server starts with its defaults)
    # gives its loggers stderr handlers and stops propagation: take them back to the root.
    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    # uvicorn's access log duplicates ours and has no request id.
    logging.getLogger("uvicorn.access").disabled = True
    # What the renderers never print, stdlib would still gather for every record: the caller's
    # file and line (a walk up the stack), thread and process ids. Turned off as the logging
    # HOWTO's "Optimization" section says; about a quarter of a request line's cost.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


class RequestContextMiddleware:
    """Carries `X-Request-ID` (from the gateway, or new), logs one line per request, records metrics.

    A pure ASGI middleware: BaseHTTPMiddleware would copy every streamed body through a queue.
    """

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        # 32 hex digits as uuid4().hex gave. A request id correlates lines and is no secret:
        # the PRNG (reseeded in each forked worker) instead of a getrandom() system call per
        # request, which the gateway's profile showed at 2 % of a proxied call.
        request_id = (
            incoming if _VALID_REQUEST_ID.match(incoming) else f"{random.getrandbits(128):032x}"
        )
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            route_path = getattr(route, "path", "unmatched")
            method = scope.get("method", "")
            counted, timed = _request_metrics(self.service, method, route_path, status)
            counted.inc()
            timed.observe(elapsed)
            if route_path not in ("/healthz", "/readyz", "/metrics"):
                _request_log.info(
                    "request",
                    method=method,
                    path=scope.get("path"),
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )
            structlog.contextvars.unbind_contextvars("request_id")


# The children of the request metrics, by their labels: `labels()` validates and locks on every
# call. As many as the app has routes × methods × statuses, as Prometheus keeps anyway.
_METRIC_CHILDREN: dict[tuple[str, str, str, int], tuple[Any, Any]] = {}


def _request_metrics(service: str, method: str, route: str, status: int) -> tuple[Any, Any]:
    key = (service, method, route, status)
    children = _METRIC_CHILDREN.get(key)
    if children is None:
        children = (
            HTTP_REQUESTS.labels(service, method, route, str(status)),
            HTTP_LATENCY.labels(service, method, route),
        )
        _METRIC_CHILDREN[key] = children
    return children


async def metrics_endpoint(_: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
