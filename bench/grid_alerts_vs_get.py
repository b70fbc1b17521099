"""Benchmark: sensor alerts accepted per second through the gateway against the gateway's
authenticated trivial GET on the same service, measured side by side in one run. Target (issue
8): alerts ≥ 0.5 × the GET.

Runs svc-grid and the gateway as real uvicorn processes (one worker each, as deployed) on the
embedded PostgreSQL and NATS, as bench/gateway_vs_direct.py does, and loads them from this
process with aiohttp. An alert authenticates its device (HTTP Basic: a lookup and a hash), locks
the device's row, folds into the device's open incident of its kind (a counter and a timestamp)
and commits; the first of each device opens the incident and raises its alarm. The GET is
`/api/grid/incidents/categories` with a staff token (verify it, read a few rows).

    .venv/bin/python bench/grid_alerts_vs_get.py [--seconds 5] [--concurrency 32] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from linli.common.db import create_engine, create_sessionmaker
from linli.gateway.auth import create_staff_user
from linli.grid.places import service as places
from linli.grid.places.schemas import GridCreated
from linli.infra.databases import create_database, migrate
from linli.infra.embedded import free_port

# The stack is started as the gateway benchmark starts it (its helpers, from the repository root).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.gateway_vs_direct import infrastructure, uvicorn

COMMUNITY = "330108001001"
KIND = "safety.drowning"


async def load(
    url: str,
    *,
    method: str,
    seconds: float,
    concurrency: int,
    headers: list[dict[str, str]],
    body: bytes | None = None,
) -> float:
    """Closed-loop load: client `i` sends with `headers[i]` the next request when one returns."""
    done = 0
    errors: list[str] = []
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client(index: int) -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                async with session.request(
                    method, url, data=body, headers=headers[index]
                ) as response:
                    text = await response.read()
                    if response.status in (200, 202):
                        done += 1
                    else:
                        errors.append(f"{response.status} {text[:200]!r}")

        started = time.perf_counter()
        await asyncio.gather(*(client(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} refused answers from {url}: {errors[0]}")
    return done / elapsed


async def login(session: aiohttp.ClientSession, gateway: str, username: str) -> str:
    async with session.post(
        f"{gateway}/auth/staff/login", json={"username": username, "password": "bench-password"}
    ) as response:
        assert response.status == 200, await response.text()
        return str((await response.json())["access_token"])


async def prepare(
    gateway: str, gateway_db: str, grid_db: str, devices: int
) -> tuple[str, list[dict[str, str]]]:
    """A staff token, and the Basic header of each of `devices` sensors of one grid."""
    engine = create_engine(gateway_db, pool_size=1)
    async with create_sessionmaker(engine).begin() as session:
        for username, role, scope in (
            ("bench_city", "city_admin", "3301"),
            ("bench_worker", "community_worker", COMMUNITY),
        ):
            await create_staff_user(
                session, username=username, password="bench-password", roles=[role], scope=scope
            )
    await engine.dispose()
    # The grid as svc-residents' `grid.created` would have put it in svc-grid's read model.
    grid_id = uuid.uuid4()
    engine = create_engine(grid_db, pool_size=1)
    async with create_sessionmaker(engine).begin() as session:
        await places.apply_grid(
            session,
            event=GridCreated(
                type="cn.linli.residents.grid.created.v1",
                community_code=COMMUNITY,
                grid_id=grid_id,
                number=1,
                name="一网格",
            ),
            at=datetime.now(UTC),
        )
    await engine.dispose()
    async with aiohttp.ClientSession() as session:
        city = {"Authorization": f"Bearer {await login(session, gateway, 'bench_city')}"}
        worker = {"Authorization": f"Bearer {await login(session, gateway, 'bench_worker')}"}
        category = {
            "code": KIND,
            "name": "溺水危险",
            "dispatch_sla_minutes": 5,
            "resolve_sla_hours": 2,
        }
        async with session.post(
            f"{gateway}/api/grid/incidents/categories", json=category, headers=city
        ) as response:
            assert response.status == 201, await response.text()
        basics = []
        for number in range(devices):
            async with session.post(
                f"{gateway}/api/grid/devices",
                json={"grid_id": str(grid_id), "name": f"江边{number}号"},
                headers=worker,
            ) as response:
                assert response.status == 201, await response.text()
                device = await response.json()
            basic = aiohttp.encode_basic_auth(device["id"], device["secret"])
            basics.append({"Authorization": basic, "Content-Type": "application/json"})
    return city["Authorization"], basics


async def run(args: argparse.Namespace) -> None:
    root = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    try:
        with infrastructure(root) as (pg_url, nats_url):
            gateway_db = create_database(pg_url, "bench_gateway")
            grid_db = create_database(pg_url, "bench_grid")
            migrate("gateway", gateway_db)
            migrate("grid", grid_db)
            gw_port, grid_port = free_port(), free_port()
            gateway = f"http://127.0.0.1:{gw_port}"
            common = {"LINLI_NATS_URL": nats_url, "LINLI_LOG_LEVEL": "WARNING"}
            gateway_env = {
                **common,
                "LINLI_DATABASE_URL": gateway_db,
                "LINLI_GATEWAY_SIGNING_KEY_FILE": str(root / "key.pem"),
                "LINLI_UPSTREAM_GRID_URL": f"http://127.0.0.1:{grid_port}",
                # Alerts are anonymous (one address here) and the GETs one subject: a budget the
                # run cannot exhaust, with an O(1) strategy, so the limiter costs what it costs.
                "LINLI_RATE_LIMIT": "100000000/minute",
                "LINLI_RATE_LIMIT_STRATEGY": "sliding-window-counter",
            }
            grid_env = {
                **common,
                "LINLI_DATABASE_URL": grid_db,
                "LINLI_JWKS_URL": f"{gateway}/.well-known/jwks.json",
                "LINLI_FILES_URL": str(root / "files"),
            }
            with (
                uvicorn("linli.gateway.app:create_app", gw_port, gateway_env, root / "gw.log"),
                uvicorn("linli.grid.app:create_app", grid_port, grid_env, root / "grid.log"),
            ):
                token, basics = await prepare(gateway, gateway_db, grid_db, args.concurrency)
                alert = f'{{"kind": "{KIND}"}}'.encode()
                one_device = [basics[0]] * args.concurrency
                cases: list[tuple[str, list[dict[str, str]]]] = [
                    (f"POST /sensor-alerts, {args.concurrency} devices", basics),
                    ("POST /sensor-alerts, one device (its row lock)", one_device),
                ]
                get_url = f"{gateway}/api/grid/incidents/categories"
                get_headers = [{"Authorization": token}] * args.concurrency
                alerts_url = f"{gateway}/api/grid/sensor-alerts"
                print(
                    f"concurrency {args.concurrency}, {args.seconds:.0f} s per measurement, "
                    f"{args.rounds} rounds, alternating, all through the gateway\n"
                )
                print(f"{'alerts':48} {'GET/s':>8} {'alerts/s':>9} {'ratio':>6}")
                for label, headers in cases:
                    # Warm-up: each device's first alert opens its incident and raises its alarm.
                    await load(
                        get_url,
                        method="GET",
                        seconds=1,
                        concurrency=args.concurrency,
                        headers=get_headers,
                    )
                    await load(
                        alerts_url,
                        method="POST",
                        seconds=1,
                        concurrency=args.concurrency,
                        headers=headers,
                        body=alert,
                    )
                    gets, alerts = [], []
                    for _ in range(args.rounds):
                        gets.append(
                            await load(
                                get_url,
                                method="GET",
                                seconds=args.seconds,
                                concurrency=args.concurrency,
                                headers=get_headers,
                            )
                        )
                        alerts.append(
                            await load(
                                alerts_url,
                                method="POST",
                                seconds=args.seconds,
                                concurrency=args.concurrency,
                                headers=headers,
                                body=alert,
                            )
                        )
                    g = sum(gets) / len(gets)
                    a = sum(alerts) / len(alerts)
                    print(f"{label:48} {g:8.0f} {a:9.0f} {a / g:6.2f}")
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
