"""Gateway fixtures: its migrated database, fake upstream services, and the app around them."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import jwt
import pytest
import uvicorn
from asgi_lifespan import LifespanManager
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from linli.common.auth import CurrentPrincipal
from linli.common.db import create_engine, create_sessionmaker
from linli.common.settings import Environment
from linli.gateway.app import create_app
from linli.gateway.auth import create_staff_user
from linli.gateway.config import GatewaySettings
from linli.gateway.models import Base, StaffAccount
from linli.gateway.proxy import RoutingTransport
from linli.testing import truncate_tables

RESIDENTS_URL = "http://residents.upstream"
GRID_URL = "http://grid.upstream"
PASSWORD = "correct horse battery"


def _closed_port() -> int:
    # Bound then released: nothing listens there, so a connection is refused at once.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class RegistrationCreate(BaseModel):
    name: str
    community_code: str


class RegistrationRead(RegistrationCreate):
    id: str


# The fake svc-residents' registry links, account subject → record (`"down": ...` makes it 503).
LINKED: dict[str, Any] = {}


def fake_service(name: str) -> FastAPI:
    """A stand-in upstream: echoes what it received, streams, and serves a small OpenAPI."""
    app = FastAPI(title=f"fake {name}")

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/registrations", response_model=RegistrationRead, tags=["registrations"])
    async def create_registration(body: RegistrationCreate) -> RegistrationRead:
        return RegistrationRead(id="r1", **body.model_dump())

    @app.api_route(
        "/echo/{rest:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    @app.api_route(
        "/open311/v2/{rest:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    async def echo(request: Request) -> JSONResponse:
        body = await request.body()
        return JSONResponse(
            {
                "service": name,
                "method": request.method,
                "raw_path": request.scope["raw_path"].decode(),
                "query": request.scope["query_string"].decode(),
                "headers": dict(request.headers),
                "body": body.decode(),
            },
            headers={"x-upstream": name, "set-cookie": "session=upstream; Path=/"},
        )

    @app.get("/whoami")
    async def whoami(request: Request) -> JSONResponse:
        if request.headers.get("authorization") != "Bearer good":
            return JSONResponse({"title": "no"}, status_code=401)
        return JSONResponse({"ok": True})

    @app.api_route("/boom", methods=["GET", "POST"], include_in_schema=False)
    async def boom() -> None:
        # An unhandled error: uvicorn logs it, then closes the connection behind the 500.
        raise RuntimeError("boom")

    if name == "residents":

        @app.get("/residents/me", include_in_schema=False)
        async def my_record(request: Request) -> JSONResponse:
            # svc-residents' answer to "who is this account": the test decides through LINKED.
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            subject = jwt.decode(token, options={"verify_signature": False})["sub"]
            if LINKED.get("down"):
                return JSONResponse({"detail": "overloaded"}, status_code=503)
            if subject not in LINKED:
                return JSONResponse(
                    {"type": "https://linli.dev/problems/resident-not-found", "status": 404},
                    status_code=404,
                    media_type="application/problem+json",
                )
            return JSONResponse(LINKED[subject])

    @app.get("/me", tags=["me"])
    async def me(principal: CurrentPrincipal) -> dict[str, str]:
        # Declares the kernel's bearer scheme, as every real service's operations do.
        return {"subject": principal.subject}

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for i in range(50):
                yield f"chunk-{i:03d}\n".encode()

        return StreamingResponse(chunks(), media_type="text/plain")

    return app


@pytest.fixture
async def upstream_url() -> AsyncIterator[str]:
    """A fake residents service served by uvicorn on a real port, in this event loop."""
    server = uvicorn.Server(
        uvicorn.Config(
            fake_service("residents"), port=_closed_port(), log_level="warning", lifespan="off"
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture(scope="session")
def database_url(service_database: Callable[[str], str]) -> str:
    return service_database("gateway")


@pytest.fixture(scope="session")
def signing_key_pem() -> str:
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


@pytest.fixture(scope="session")
def down_url() -> str:
    return f"http://127.0.0.1:{_closed_port()}"


SettingsFactory = Callable[..., GatewaySettings]


@pytest.fixture(scope="session")
def make_settings(database_url: str, signing_key_pem: str, down_url: str) -> SettingsFactory:
    def make(**overrides: Any) -> GatewaySettings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "environment": Environment.TEST,
            "log_json": False,
            "gateway_signing_key": SecretStr(signing_key_pem),
            # residents and grid are in-process fakes; the other three are down.
            "upstreams": {
                "residents": RESIDENTS_URL,
                "grid": GRID_URL,
                "service-hall": down_url,
                "funds": down_url,
                "jobs-coop": down_url,
            },
            "rate_limit": "1000/minute",
            "cors_origins": ["https://mini.example"],
        }
        values.update(overrides)
        return GatewaySettings(**values)

    return make


def upstream_transport() -> RoutingTransport:
    return RoutingTransport(
        {
            RESIDENTS_URL: httpx.ASGITransport(app=fake_service("residents")),
            GRID_URL: httpx.ASGITransport(app=fake_service("grid")),
        }
    )


@pytest.fixture
async def gateway_factory(
    make_settings: SettingsFactory,
) -> AsyncIterator[Callable[..., Any]]:
    """`async with gateway_factory(rate_limit="3/minute") as client:` for a customised gateway."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(make_settings(**overrides), upstream_transport=upstream_transport())
        async with LifespanManager(app) as manager, client_at(manager.app) as client:
            yield client

    yield start


CLIENT_ADDRESS = "203.0.113.7"


def client_at(app: Any, address: str = CLIENT_ADDRESS) -> httpx.AsyncClient:
    """A test client whose requests come from `address` (the peer the gateway sees)."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 5555)),
        base_url="http://gateway.test",
    )


@pytest.fixture
async def two_sources(
    make_settings: SettingsFactory,
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two clients of one gateway, from two addresses."""
    app = create_app(make_settings(), upstream_transport=upstream_transport())
    async with (
        LifespanManager(app) as manager,
        client_at(manager.app) as first,
        client_at(manager.app, "198.51.100.20") as second,
    ):
        yield first, second


@pytest.fixture
async def client(gateway_factory: Callable[..., Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway_factory() as client:
        yield client


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture
async def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # The app commits through its own engine, so tests start from empty tables instead of
    # rolling back one transaction.
    await truncate_tables(engine, Base.metadata, kernel=False)
    return create_sessionmaker(engine)


StaffFactory = Callable[..., Awaitable[StaffAccount]]


@pytest.fixture
def create_staff(sessionmaker: async_sessionmaker[AsyncSession]) -> StaffFactory:
    async def create(
        *,
        username: str = "wang.li",
        password: str = PASSWORD,
        roles: tuple[str, ...] = ("community_worker",),
        scope: str = "330108001001",
        grid_ids: tuple[str, ...] = (),
        totp_secret: str | None = None,
    ) -> StaffAccount:
        async with sessionmaker() as session:
            account = await create_staff_user(
                session,
                username=username,
                password=password,
                roles=roles,
                scope=scope,
                grid_ids=grid_ids,
                totp_secret=totp_secret,
            )
            await session.commit()
            return account

    return create


@pytest.fixture
def registry_links() -> Iterator[dict[str, Any]]:
    """What the fake svc-residents answers at `/residents/me`: subject → record, or "down"."""
    LINKED.clear()
    yield LINKED
    LINKED.clear()
