"""The gateway application: auth routes, the `/api` proxy, merged OpenAPI, health and metrics."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from httpx_aiohttp import AiohttpTransport
from starlette.middleware import Middleware
from starlette.types import Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from linli.common.app import freeze_startup_heap
from linli.common.auth import TokenVerifier
from linli.common.db import create_engine, create_sessionmaker
from linli.common.docs import install_docs
from linli.common.errors import install_problem_handlers
from linli.common.observability import (
    REQUEST_ID_HEADER,
    RequestContextMiddleware,
    configure_logging,
    logger,
    metrics_endpoint,
)
from linli.common.openapi import document_problems
from linli.common.params import refuse_unknown_query
from linli.gateway import asyncapi, health, landing
from linli.gateway.auth.directory import ResidentDirectory
from linli.gateway.auth.endpoints import router as auth_router
from linli.gateway.auth.providers import DevIdentityProvider, IdentityProviderRegistry
from linli.gateway.auth.service import AuthPolicy
from linli.gateway.auth.throttle import LoginThrottle
from linli.gateway.auth.tokens import TokenSigner, load_signing_key
from linli.gateway.config import PUBLIC_PATHS, GatewaySettings
from linli.gateway.headers import HeaderLimitMiddleware
from linli.gateway.openapi import MergedOpenAPI
from linli.gateway.proxy import (
    DataPath,
    RateLimiter,
    RateLimitMiddleware,
    ServiceRoutes,
    unknown_service_routes,
)
from linli.gateway.proxy.senders import AiohttpSender, HttpxSender, Sender, upstream_session
from linli.gateway.stats.endpoints import router as stats_router

VERSION = "0.1.0"
DESCRIPTION = """The one public entry point of Linli (邻里).

* `/auth/...` — log in (staff: password + optional TOTP; residents: mini-program login code),
  refresh and log out. Send the access token as `Authorization: Bearer <token>`.
* `/api/<service>/...` — each service's API (residents, service-hall, grid, funds, jobs-coop).
* `/api/stats/{division}` — one statistics report of a division and the units below it,
  assembled from every service (`.xlsx` for the workbook, `/peers` for the averages around it);
  `/api/facts/residents/{id}` — what the services hold of one resident, for staff.
* `/open311/v2/...` — Open311 GeoReport v2 (svc-grid's incidents) for civic-reporting apps.
* Errors are RFC 9457 `application/problem+json`, titled in Chinese when `Accept-Language`
  starts with `zh`. Every response carries `X-Request-ID`; quote it when reporting a problem.
* Calls are rate limited per user (per IP when not logged in): 429 with `Retry-After`.
"""


def _http_client(
    settings: GatewaySettings, transport: httpx.AsyncBaseTransport
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=transport,
        # No cookie may stick to the shared client: it would pass one caller's cookie to the next.
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        timeout=_timeout(settings),
        follow_redirects=False,
        trust_env=False,
    )


def _upstreams(
    settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None
) -> tuple[Sender, httpx.AsyncClient]:
    """The proxy's sender and the gateway's own client (statistics, OpenAPI, the residents'
    directory), both on one aiohttp pool; or both on `transport` when a test gives one."""
    if transport is not None:
        return HttpxSender(transport, timeout=_timeout(settings)), _http_client(settings, transport)
    session = upstream_session(
        max_connections=settings.upstream_max_connections,
        keepalive_s=settings.upstream_keepalive_s,
    )
    sender = AiohttpSender(
        session,
        connect_timeout_s=settings.upstream_connect_timeout_s,
        read_timeout_s=settings.upstream_read_timeout_s,
    )
    return sender, _http_client(settings, AiohttpTransport(client=session))


def _timeout(settings: GatewaySettings) -> httpx.Timeout:
    return httpx.Timeout(
        connect=settings.upstream_connect_timeout_s,
        read=settings.upstream_read_timeout_s,
        write=settings.upstream_read_timeout_s,
        pool=settings.upstream_connect_timeout_s,
    )


class GatewayApp(FastAPI):
    """FastAPI for the gateway's own routes (auth, health, documents); a request for a service
    takes the data path instead, which skips FastAPI's router and exception layers."""

    data_path: DataPath | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.data_path is not None and self.data_path.match(scope):
            scope["app"] = self
            await self.data_path(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(
    settings: GatewaySettings | None = None,
    *,
    upstream_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """Build the gateway; nothing connects until the lifespan starts.

    `upstream_transport` replaces the network under the proxy and the gateway's own client
    (tests route it to in-process apps with `linli.gateway.proxy.RoutingTransport`); without it
    both send on one aiohttp pool.
    """
    settings = settings or GatewaySettings()
    upstream_urls = settings.upstream_urls

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(level=settings.log_level, json=settings.log_json)
        # httpx logs every request at INFO: one more line per proxied call, without a request id.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        signer = TokenSigner(
            load_signing_key(settings), issuer=settings.jwt_issuer, audience=settings.jwt_audience
        )
        # The proxy sends straight on the pool: httpx's request model and its client's auth,
        # redirect and cookie layers cost a fifth of a proxied call (see AiohttpSender).
        app.state.upstream_sender, app.state.http_client = _upstreams(settings, upstream_transport)
        # The gateway's own routes that need the caller (statistics) verify its tokens locally.
        app.state.token_verifier = TokenVerifier(
            issuer=settings.jwt_issuer, audience=settings.jwt_audience, jwks=signer.jwks
        )
        app.state.auth_policy = AuthPolicy(
            signer=signer,
            access_ttl_s=settings.access_token_ttl_s,
            refresh_ttl_s=settings.refresh_token_ttl_s,
            throttle=LoginThrottle(
                max_failures=settings.login_max_failures,
                window_s=settings.login_lockout_s,
                storage_url=settings.redis_url,
            ),
            residents=ResidentDirectory(
                app.state.http_client, residents_url=upstream_urls["residents"], signer=signer
            ),
        )
        providers = IdentityProviderRegistry()
        if settings.dev_identity_provider_enabled:
            providers.register(DevIdentityProvider())
        app.state.identity_providers = providers
        app.state.rate_limiter = (
            RateLimiter(
                settings.rate_limit,
                storage_url=settings.redis_url,
                strategy=settings.rate_limit_strategy,
            )
            if settings.rate_limit_enabled
            else None
        )
        app.state.openapi_merger = MergedOpenAPI(ttl_s=settings.openapi_cache_s)
        logger.info("gateway started", upstreams=upstream_urls, kid=signer.kid)
        freeze_startup_heap()
        try:
            yield
        finally:
            await app.state.http_client.aclose()
            await app.state.upstream_sender.aclose()
            await engine.dispose()

    app = GatewayApp(
        title="Linli gateway",
        description=DESCRIPTION,
        version=VERSION,
        lifespan=lifespan,
        openapi_url=None,  # served below, merged with the services' documents
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.upstream_urls = upstream_urls
    install_problem_handlers(app)
    # Its own 422s and unreadable bodies documented as the problems they are, and the
    # `ProblemDetails` schema the merged document's gateway answers refer to.
    document_problems(app)
    # Outermost first: the client address is resolved before anything reads it, CORS answers
    # preflights, and the request id exists before a limit may refuse. The same stack wraps the
    # data path (`/api/<service>`, which bypasses FastAPI) and the gateway's own routes.
    middleware = [
        # uvicorn's own implementation (CIDRs, the rightmost untrusted hop), but with the
        # gateway's list, empty by default; the servers run with proxy headers off (__main__).
        Middleware(ProxyHeadersMiddleware, trusted_hosts=settings.gateway_trusted_proxies),
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "Accept-Language",
                REQUEST_ID_HEADER,
            ],
            expose_headers=["X-Request-ID", "Retry-After", "Location"],
            max_age=600,
        ),
        Middleware(RequestContextMiddleware, service=settings.service_name),
        Middleware(
            HeaderLimitMiddleware,
            max_bytes=settings.max_header_bytes,
            max_count=settings.max_header_count,
        ),
        Middleware(RateLimitMiddleware, exempt_paths=settings.rate_limit_exempt_paths),
    ]
    app.user_middleware[:0] = middleware
    app.data_path = DataPath(ServiceRoutes(upstream_urls, PUBLIC_PATHS), middleware)
    # Its own routes only: the proxy forwards what the service behind it declares.
    app.include_router(auth_router, dependencies=[Depends(refuse_unknown_query)])
    app.include_router(health.router)
    app.include_router(landing.router)
    app.include_router(asyncapi.router)
    # Before the proxy routes: `/api/stats` and `/api/facts` are the gateway's own, not a service.
    app.include_router(stats_router, dependencies=[Depends(refuse_unknown_query)])
    app.add_api_route("/metrics", metrics_endpoint, include_in_schema=False)
    app.add_api_route("/openapi.json", _openapi, include_in_schema=False)
    install_docs(app, title="Linli")
    app.router.routes.extend(unknown_service_routes())
    return app


async def _openapi(request: Request) -> JSONResponse:
    state = request.app.state
    merger: MergedOpenAPI = state.openapi_merger
    document: dict[str, Any] = await merger.document(
        request.app, state.http_client, state.upstream_urls
    )
    return JSONResponse(document)
