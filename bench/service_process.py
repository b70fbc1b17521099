"""One service as the benches run it: on embedded PostgreSQL and NATS (or LINLI_TEST_DATABASE_URL
/ LINLI_TEST_NATS_URL), its database migrated, test tokens' JWKS served, as a uvicorn process
(one worker, as deployed) on a port of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import aiohttp

from linli.infra.databases import create_database, migrate
from linli.infra.embedded import EmbeddedPostgres, NatsServer, free_port, wait_for_port
from linli.testing.tokens import TEST_AUDIENCE, TEST_ISSUER, TestIssuer, serve_jwks


@contextmanager
def service(
    root: Path, issuer: TestIssuer, *, name: str, factory: str, env: Mapping[str, str] = {}
) -> Iterator[tuple[str, str]]:
    """`name` (`jobs-coop`) served from `factory` (`linli.jobs_coop.app:create_app`), trusting
    `issuer`'s tokens, with `env` on top of the bench's settings; its URL and database URL."""
    with ExitStack() as stack:
        pg_url = os.environ.get("LINLI_TEST_DATABASE_URL")
        nats_url = os.environ.get("LINLI_TEST_NATS_URL")
        if not pg_url:
            pg = EmbeddedPostgres(root / "pg", durable=False)
            pg.start()
            stack.callback(pg.stop)
            pg_url = pg.url
        if not nats_url:
            nats = NatsServer(root / "nats")
            nats.start()
            stack.callback(nats.stop)
            nats_url = nats.url
        database_url = create_database(pg_url, "bench_" + name.replace("-", "_"))
        migrate(name, database_url)
        jwks = stack.enter_context(serve_jwks(issuer))
        port = free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                *("-m", "uvicorn", "--factory", factory),
                *("--port", str(port), "--host", "127.0.0.1", "--no-access-log"),
                *("--log-level", "warning"),
            ],
            env={
                **os.environ,
                "LINLI_DATABASE_URL": database_url,
                "LINLI_NATS_URL": nats_url,
                "LINLI_JWKS_URL": jwks.url,
                "LINLI_JWT_ISSUER": TEST_ISSUER,
                "LINLI_JWT_AUDIENCE": TEST_AUDIENCE,
                "LINLI_ENVIRONMENT": "test",
                "LINLI_LOG_LEVEL": "WARNING",
                "LINLI_DATABASE_POOL_SIZE": "40",
                **env,
            },
            stdout=(root / "service.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        stack.callback(process.wait, 10)
        stack.callback(process.terminate)
        wait_for_port(port, timeout=60)
        yield f"http://127.0.0.1:{port}", database_url


async def call(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    headers: dict[str, str],
    body: Any,
    status: int,
) -> Any:
    """One JSON call that must answer `status`; the bench stops with the answer otherwise."""
    async with session.request(method, url, json=body, headers=headers) as response:
        answer = await response.json()
        if response.status != status:
            raise SystemExit(f"{method} {url}: {response.status} {answer}")
        return answer
