"""The frame every domain service shares: lifespan (engine, NATS, relay, consumers), health,
metrics, problem handlers. A service's own `create_app(settings)` calls `create_service_app`."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Sequence
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from linli.common.auth import TokenVerifier
from linli.common.consumers import ConsumerSpec
from linli.common.db import create_engine, create_read_sessionmaker, create_sessionmaker
from linli.common.docs import install_docs
from linli.common.errors import install_problem_handlers
from linli.common.files import FileStore
from linli.common.forwarded import ForwardedPrefixMiddleware
from linli.common.idempotency import install_idempotency
from linli.common.inputs import refuse_nul_characters
from linli.common.observability import (
    RequestContextMiddleware,
    configure_logging,
    logger,
    metrics_endpoint,
)
from linli.common.openapi import document_problems
from linli.common.params import refuse_unknown_query
from linli.common.pii import PiiCipher
from linli.common.settings import ServiceSettings
from linli.common.timers import TimerKind


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    version: str,
    routers: Sequence[APIRouter],
    consumers: Sequence[ConsumerSpec] = (),
    timers: Sequence[TimerKind] = (),
    token_verifier: TokenVerifier | None = None,
) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from linli.common.consumers import EventConsumer
        from linli.common.nats import NatsConnection
        from linli.common.outbox.relay import OutboxRelay
        from linli.common.timers import TimerPoller

        configure_logging(level=settings.log_level, json=settings.log_json)
        engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
        sessionmaker = create_sessionmaker(engine, event_source=settings.event_source)
        app.state.engine = engine
        app.state.sessionmaker = sessionmaker
        app.state.read_sessionmaker = create_read_sessionmaker(engine)
        app.state.token_verifier = token_verifier or TokenVerifier(
            issuer=settings.jwt_issuer, audience=settings.jwt_audience, jwks_url=settings.jwks_url
        )
        nats = NatsConnection(
            settings.nats_url,
            stream=settings.nats_stream,
            name=settings.service_name,
            credentials=settings.nats_credentials or None,
            max_age_s=settings.nats_stream_max_age_s,
            max_bytes=settings.nats_stream_max_bytes,
        )
        app.state.nats = nats
        # NATS being down must not keep the service from serving: the outbox holds the events.
        await nats.start()
        workers: list[Any] = []
        if settings.run_outbox_relay:
            workers.append(
                OutboxRelay(
                    sessionmaker,
                    nats,
                    database_url=settings.database_url,
                    poll_interval_s=settings.outbox_poll_interval_s,
                    batch_size=settings.outbox_batch_size,
                )
            )
        if settings.run_consumers:
            workers.extend(
                EventConsumer(
                    sessionmaker,
                    nats,
                    durable=spec.durable,
                    filter_subjects=list(spec.filter_subjects),
                    handler=spec.handler,
                )
                for spec in consumers
            )
        if settings.run_timers and timers:
            # Every replica polls; FOR UPDATE SKIP LOCKED lets each timer fire in one of them.
            workers.append(
                TimerPoller(sessionmaker, timers, poll_interval_s=settings.timer_poll_interval_s)
            )
        app.state.workers = workers
        for worker in workers:
            await worker.start()
        freeze_startup_heap()
        logger.info("service started", service=settings.service_name)
        try:
            yield
        finally:
            for worker in reversed(workers):
                await worker.stop()
            await nats.stop()
            await engine.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        docs_url=None,  # install_docs: served without a CDN
        redoc_url=None,
        # Before any handler: an unknown query parameter, or a NUL in a parameter or a JSON
        # body, is a 422 (never a 500).
        dependencies=[Depends(refuse_unknown_query), Depends(refuse_nul_characters)],
    )
    install_docs(app, title=title)
    app.state.settings = settings
    app.state.pii_cipher = PiiCipher(
        key=settings.pii_key.get_secret_value(),
        index_key=settings.pii_index_key.get_secret_value(),
    )
    app.state.files = FileStore.from_url(settings.files_location)
    install_problem_handlers(app)
    document_problems(app)
    install_idempotency(app)
    app.add_middleware(RequestContextMiddleware, service=settings.service_name)
    app.add_middleware(ForwardedPrefixMiddleware)
    app.add_api_route("/healthz", _healthz, include_in_schema=False)
    app.add_api_route("/readyz", _readyz, include_in_schema=False)
    app.add_api_route("/metrics", metrics_endpoint, include_in_schema=False)
    for router in routers:
        app.include_router(router)
    return app


_heap_frozen = False


def freeze_startup_heap() -> None:
    """Keep what startup built (modules, routes, schemas, metadata) out of the cyclic GC.

    Those objects live as long as the process; without this every full collection walks them
    all again, and a request that triggers one pays for it. Once per process: a test run builds
    many apps in one interpreter, and what each later one leaves is garbage to collect.
    """
    global _heap_frozen
    if _heap_frozen:
        return
    _heap_frozen = True
    gc.collect()
    gc.freeze()


async def _healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


async def _readyz(request: Request) -> JSONResponse:
    """Readiness: the database answers and NATS is connected."""
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(2.0), request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure here means "not ready", whatever its kind
        checks["database"] = f"unavailable: {type(exc).__name__}"
    checks["nats"] = "ok" if request.app.state.nats.is_connected else "unavailable"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )
