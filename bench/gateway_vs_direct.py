"""Benchmark: requests per second through the gateway against the same calls made directly to a
service, measured side by side in one run. Target (ARCHITECTURE): gateway ≥ 0.5 × direct.

Runs residents and the gateway as real uvicorn processes (one worker each, as deployed) on the
embedded PostgreSQL and NATS (or LINLI_TEST_DATABASE_URL / LINLI_TEST_NATS_URL), and loads them
from this process with aiohttp. The load generator shares the machine's cores with the servers,
so absolute figures are low on a small machine; the ratio is the figure to read.

    .venv/bin/python bench/gateway_vs_direct.py [--seconds 5] [--concurrency 32] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp

from linli.common.db import create_engine, create_sessionmaker
from linli.gateway.auth import create_staff_user
from linli.infra.databases import create_database, migrate
from linli.infra.embedded import EmbeddedPostgres, NatsServer, free_port, wait_for_port

STREET = "330108001"
COMMUNITY = "330108001001"
CSV = f"code,name\n3301,杭州市\n330108,滨江区\n{STREET},西兴街道\n{COMMUNITY},东冠社区\n"


@contextmanager
def infrastructure(root: Path) -> Iterator[tuple[str, str]]:
    pg_url = os.environ.get("LINLI_TEST_DATABASE_URL")
    nats_url = os.environ.get("LINLI_TEST_NATS_URL")
    pg = None if pg_url else EmbeddedPostgres(root / "pg", durable=False)
    nats = None if nats_url else NatsServer(root / "nats")
    try:
        if pg is not None:
            pg.start()
            pg_url = pg.url
        if nats is not None:
            nats.start()
            nats_url = nats.url
        assert pg_url and nats_url
        yield pg_url, nats_url
    finally:
        if nats is not None:
            nats.stop()
        if pg is not None:
            pg.stop()


@contextmanager
def uvicorn(factory: str, port: int, env: dict[str, str], log: Path) -> Iterator[None]:
    # The gateway is measured as deployed: through its own entry point (h11, bounded heads).
    server = (
        ["-m", "linli.gateway"]
        if factory.startswith("linli.gateway.")
        else ["-m", "uvicorn", "--factory", factory, "--no-access-log"]
    )
    process = subprocess.Popen(
        [
            sys.executable,
            *server,
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--log-level",
            "warning",
        ],
        env={**os.environ, **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, timeout=30)
        yield
    finally:
        process.terminate()
        process.wait(10)


async def load(url: str, headers: dict[str, str], *, seconds: float, concurrency: int) -> float:
    """Closed-loop load: `concurrency` clients each send the next request when one returns."""
    done = 0
    errors = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def client() -> None:
            nonlocal done, errors
            while time.perf_counter() < deadline:
                async with session.get(url) as response:
                    await response.read()
                    if response.status == 200:
                        done += 1
                    else:
                        errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{errors} non-200 answers from {url}")
    return done / elapsed


async def prepare(gateway: str, gateway_db: str) -> str:
    engine = create_engine(gateway_db, pool_size=1)
    async with create_sessionmaker(engine).begin() as session:
        await create_staff_user(
            session,
            username="bench",
            password="bench-password",
            roles=["city_admin"],
            scope="3301",
        )
    await engine.dispose()
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{gateway}/auth/staff/login", json={"username": "bench", "password": "bench-password"}
        ) as response:
            token = str((await response.json())["access_token"])
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
        async with session.post(
            f"{gateway}/api/residents/divisions/import", data=CSV.encode(), headers=headers
        ) as response:
            assert response.status == 200, await response.text()
    return token


async def run(args: argparse.Namespace) -> None:
    root = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    try:
        with infrastructure(root) as (pg_url, nats_url):
            gateway_db = create_database(pg_url, "bench_gateway")
            residents_db = create_database(pg_url, "bench_residents")
            migrate("gateway", gateway_db)
            migrate("residents", residents_db)
            gw_port, res_port = free_port(), free_port()
            gateway = f"http://127.0.0.1:{gw_port}"
            direct = f"http://127.0.0.1:{res_port}"
            common = {"LINLI_NATS_URL": nats_url, "LINLI_LOG_LEVEL": "WARNING"}
            gateway_env = {
                **common,
                "LINLI_DATABASE_URL": gateway_db,
                "LINLI_GATEWAY_SIGNING_KEY_FILE": str(root / "key.pem"),
                "LINLI_UPSTREAM_RESIDENTS_URL": direct,
                # One client hammers one key: an O(1) strategy with room for the whole run,
                # so the limiter is measured at its steady cost instead of refusing.
                "LINLI_RATE_LIMIT": "100000000/minute",
                "LINLI_RATE_LIMIT_STRATEGY": "sliding-window-counter",
            }
            residents_env = {
                **common,
                "LINLI_DATABASE_URL": residents_db,
                "LINLI_JWKS_URL": f"{gateway}/.well-known/jwks.json",
            }
            with (
                uvicorn("linli.gateway.app:create_app", gw_port, gateway_env, root / "gw.log"),
                uvicorn(
                    "linli.residents.app:create_app", res_port, residents_env, root / "res.log"
                ),
            ):
                token = await prepare(gateway, gateway_db)
                auth = {"Authorization": f"Bearer {token}"}
                cases = [
                    (
                        "GET /divisions/{code} (auth, scope, one row)",
                        f"/divisions/{COMMUNITY}",
                        auth,
                    ),
                    ("GET /healthz (no work: the proxy's own cost)", "/healthz", {}),
                ]
                print(
                    f"concurrency {args.concurrency}, {args.seconds:.0f} s per measurement, "
                    f"{args.rounds} rounds, alternating\n"
                )
                print(f"{'endpoint':48} {'direct/s':>10} {'gateway/s':>10} {'ratio':>6}")
                for label, path, headers in cases:
                    await load(direct + path, headers, seconds=1, concurrency=args.concurrency)
                    await load(
                        gateway + "/api/residents" + path,
                        headers,
                        seconds=1,
                        concurrency=args.concurrency,
                    )
                    direct_rates, gateway_rates = [], []
                    for _ in range(args.rounds):
                        direct_rates.append(
                            await load(
                                direct + path,
                                headers,
                                seconds=args.seconds,
                                concurrency=args.concurrency,
                            )
                        )
                        gateway_rates.append(
                            await load(
                                gateway + "/api/residents" + path,
                                headers,
                                seconds=args.seconds,
                                concurrency=args.concurrency,
                            )
                        )
                    d = sum(direct_rates) / len(direct_rates)
                    g = sum(gateway_rates) / len(gateway_rates)
                    print(f"{label:48} {d:10.0f} {g:10.0f} {g / d:6.2f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
