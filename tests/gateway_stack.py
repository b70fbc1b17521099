"""The gateway in front of in-process services, with real tokens the gateway issues: what the
end-to-end tests and the fuzzer through the gateway both run against.

Every service runs with its lifespan on the test's loop and is reached by the gateway through
`RoutingTransport` (no ports); each verifies tokens against the gateway's own JWKS. Staff are
made with `linli users create` and log in with their password; residents log in through the dev
identity provider.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from linli.cli.topology import SERVICES
from linli.common.auth import Principal, TokenVerifier
from linli.gateway.app import create_app as create_gateway
from linli.gateway.config import GatewaySettings
from linli.gateway.proxy import RoutingTransport
from linli.infra.databases import create_database, migrate
from linli.testing.asgi import serve_app

STAFF_PASSWORD = "s3cret-pass!"
# A service's app from its database URL and the verifier of the gateway's tokens.
ServiceFactory = Callable[[str, TokenVerifier], FastAPI]


@dataclass
class GatewayStack:
    gateway: httpx.AsyncClient
    gateway_database_url: str
    services: dict[str, httpx.AsyncClient]  # each service directly, past the gateway
    transport: RoutingTransport  # under the gateway: `transport.route(...)` stops a service
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    async def add_staff(
        self, who: str, role: str, scope: str, *, grids: Sequence[str] = ()
    ) -> None:
        """A staff account made with `linli users create`, as an administrator would, logged in."""
        username = f"{who}_{uuid.uuid4().hex[:8]}"
        result = await asyncio.to_thread(
            linli_cli,
            "users",
            "create",
            "--username",
            username,
            "--password",
            STAFF_PASSWORD,
            "--role",
            role,
            "--scope",
            scope,
            *(arg for grid in grids for arg in ("--grid", grid)),
            database_url=self.gateway_database_url,
        )
        assert result.returncode == 0, result.stderr
        self.tokens[who] = await staff_token(self.gateway, username, STAFF_PASSWORD)

    async def add_resident(self, who: str, openid: str | None = None) -> None:
        self.tokens[who] = await resident_token(self.gateway, openid or f"{who}-{uuid.uuid4()}")


def linli_cli(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LINLI_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "linli.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def staff_token(gateway: httpx.AsyncClient, username: str, password: str) -> str:
    response = await gateway.post(
        "/auth/staff/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def resident_token(gateway: httpx.AsyncClient, openid: str) -> str:
    response = await gateway.post(
        "/auth/resident/login", json={"provider": "dev", "code": f"dev:{openid}"}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


class _GatewayJwks(TokenVerifier):
    """Verifies against the gateway's JWKS, known only once the gateway has started (after the
    services it is wired to)."""

    def __init__(self) -> None:
        super().__init__(issuer="linli-gateway", audience="linli", jwks={"keys": []})
        self.current: TokenVerifier | None = None

    async def verify(self, token: str) -> Principal:
        assert self.current is not None, "the gateway has not started"
        return await self.current.verify(token)


@contextlib.asynccontextmanager
async def gateway_stack(
    pg_server_url: str,
    tmp_path: Path,
    services: Mapping[str, ServiceFactory],
    *,
    rate_limit: str = "10000/minute",
    databases: Mapping[str, str] | None = None,
) -> AsyncIterator[GatewayStack]:
    """The gateway (every upstream of the topology routed; those not in `services` unreachable)
    and each of `services` on the migrated database given in `databases`, else a fresh one."""
    suffix = uuid.uuid4().hex[:8]
    databases = dict(databases or {})
    for name in ("gateway", *services):
        if name in databases:
            continue
        url = create_database(pg_server_url, f"stack_{name.replace('-', '_')}_{suffix}")
        migrate(name, url)
        databases[name] = url
    gateway_settings = GatewaySettings(
        database_url=databases["gateway"],
        gateway_signing_key_file=tmp_path / "signing-key.pem",
        upstreams={spec.name: f"http://{spec.name}.internal" for spec in SERVICES},
        rate_limit=rate_limit,
    )
    verifier = _GatewayJwks()
    apps = {name: make(databases[name], verifier) for name, make in services.items()}
    async with contextlib.AsyncExitStack() as stack:
        clients = {
            name: await stack.enter_async_context(serve_app(app)) for name, app in apps.items()
        }
        transport = RoutingTransport(
            {f"{name}.internal": httpx.ASGITransport(app=app) for name, app in apps.items()}
        )
        gateway = await stack.enter_async_context(
            serve_app(create_gateway(gateway_settings, upstream_transport=transport))
        )
        jwks: dict[str, Any] = (await gateway.get("/.well-known/jwks.json")).json()
        verifier.current = TokenVerifier(issuer="linli-gateway", audience="linli", jwks=jwks)
        yield GatewayStack(gateway, databases["gateway"], clients, transport)
