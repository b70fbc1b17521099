"""Benchmark: the statistics report through the gateway (`GET /api/stats/{division}`) against the
sum of the services' own answers it is assembled from, side by side in one run.

The report asks svc-residents for the division's name and the units below it and, at the same
time, every service once for the division and its units one level below (`children=true`): 2 + 5
calls whatever the level. The other side makes the same calls one after another, straight to
each service, and adds up their times ("sum of own"): what a client assembling the report itself
would wait. For comparison it also times the calls the report made before the breakdown existed,
one per unit and service ("sum per unit": a city's 1 + 10 districts × 5 services, a street's
1 + 30 communities × 5), and checks the report against those per-unit answers.

svc-residents holds a generated city (bench/stats_counters_vs_scan.py's: 10 districts, 100
streets, `--communities`, `--residents` built in SQL, counters recounted); the other services
run on migrated but small databases (their figures are counted from live rows, so their share
grows with their own data, which this run does not generate). Every deployable runs as a real
uvicorn process (one worker each, as deployed) on the embedded PostgreSQL and NATS, as
bench/gateway_vs_direct.py runs them. The gateway's limit per call is raised to 5 s so that
every answer is whole (the report is checked complete, and equal to the direct answers).

    .venv/bin/python bench/stats_report.py [--residents 1000000] [--communities 3000] [--rounds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text

from linli.cli.topology import SERVICES
from linli.common.db import create_engine, create_sessionmaker
from linli.gateway.auth import create_staff_user
from linli.gateway.stats.sources import SOURCES
from linli.infra.databases import create_database, migrate
from linli.infra.embedded import free_port
from linli.residents.divisions.repository import DivisionRepository
from linli.residents.stats.service import recount_communities

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.gateway_vs_direct import infrastructure, uvicorn
from bench.stats_counters_vs_scan import CITY, division_tree, populate


async def build_city(database: str, *, residents: int, communities: int) -> list[tuple[str, str]]:
    engine = create_engine(database)
    sessionmaker = create_sessionmaker(engine)
    tree = division_tree(communities)
    async with sessionmaker.begin() as session:
        await DivisionRepository(session).upsert(tree)
        await populate(session, residents=residents)
    async with sessionmaker.begin() as session:
        await recount_communities(
            session, community_codes=[code for code, _ in tree if len(code) == 12]
        )
    async with sessionmaker() as session:
        await session.execute(text("ANALYZE"))
        await session.commit()
    await engine.dispose()
    return tree


async def token_of(gateway: str, gateway_db: str) -> str:
    engine = create_engine(gateway_db, pool_size=1)
    async with create_sessionmaker(engine).begin() as session:
        await create_staff_user(
            session, username="bench", password="bench-password", roles=["city_admin"], scope=CITY
        )
    await engine.dispose()
    async with (
        aiohttp.ClientSession() as client,
        client.post(
            f"{gateway}/auth/staff/login", json={"username": "bench", "password": "bench-password"}
        ) as response,
    ):
        return str((await response.json())["access_token"])


async def timed_get(
    session: aiohttp.ClientSession, url: str, params: dict[str, str] | None = None
) -> tuple[float, Any]:
    started = time.perf_counter()
    async with session.get(url, params=params) as response:
        body = await response.json()
        assert response.status == 200, (url, response.status, body)
    return (time.perf_counter() - started) * 1000, body


async def direct_sum(
    session: aiohttp.ClientSession, urls: dict[str, str], division: str, *, per_unit: bool
) -> tuple[float, float, int, dict[str, Any]]:
    """The report's calls made one by one: (sum of their times, the longest, how many, figures
    by unit). `per_unit`: one call per unit and source, as the report asked before
    `children=true`; else one call per source with `children=true`, as it asks now."""
    times: list[float] = []
    took, _ = await timed_get(session, f"{urls['residents']}/divisions/{division}")
    times.append(took)
    took, children = await timed_get(
        session, f"{urls['residents']}/divisions", {"parent": division, "limit": "100"}
    )
    times.append(took)
    units = [division, *(c["code"] for c in children["items"])]
    bodies: dict[str, Any] = {}
    for source in SOURCES:
        if not per_unit:
            took, body = await timed_get(
                session,
                urls[source.service] + source.path,
                {"division": division, "children": "true"},
            )
            times.append(took)
            own = source.figures(body)
            bodies[f"{division}/{source.section}"] = own
            below = source.children(body) or {}
            for unit in units[1:]:
                bodies[f"{unit}/{source.section}"] = below.get(unit, dict.fromkeys(own, 0))
            continue
        for unit in units:
            took, body = await timed_get(
                session, urls[source.service] + source.path, {"division": unit}
            )
            times.append(took)
            bodies[f"{unit}/{source.section}"] = source.figures(body)
    return sum(times), max(times), len(times), bodies


@dataclass(frozen=True, slots=True)
class Figures:
    gateway_ms: float
    own_ms: float
    own_calls: int
    per_unit_ms: float
    per_unit_calls: int
    longest_own_ms: float
    units: int


async def measure(
    gateway: str, urls: dict[str, str], token: str, division: str, rounds: int
) -> Figures:
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        # Warm every side (pools, plans), and check the report against the per-unit answers and
        # the breakdown.
        _, report = await timed_get(session, f"{gateway}/api/stats/{division}")
        *_, direct = await direct_sum(session, urls, division, per_unit=True)
        *_, broken_down = await direct_sum(session, urls, division, per_unit=False)
        assert report["partial"] is False, report["missing"]
        assert broken_down == direct
        for unit in [report["division"], *report["children"]]:
            for section, part in unit["sections"].items():
                assert part["figures"] == direct[f"{unit['code']}/{section}"], (unit, section)
        through, summed, longest, per_unit = [], [], [], []
        for _ in range(rounds):
            took, _ = await timed_get(session, f"{gateway}/api/stats/{division}")
            through.append(took)
            total, slowest, own_calls, _ = await direct_sum(session, urls, division, per_unit=False)
            summed.append(total)
            longest.append(slowest)
            total, _, unit_calls, _ = await direct_sum(session, urls, division, per_unit=True)
            per_unit.append(total)
    return Figures(
        gateway_ms=statistics.median(through),
        own_ms=statistics.median(summed),
        own_calls=own_calls,
        per_unit_ms=statistics.median(per_unit),
        per_unit_calls=unit_calls,
        longest_own_ms=statistics.median(longest),
        units=1 + len(report["children"]),
    )


async def run(args: argparse.Namespace) -> None:
    root = Path(tempfile.mkdtemp(prefix="linli-bench-report-"))
    try:
        with infrastructure(root) as (pg_url, nats_url), ExitStack() as servers:
            databases = {}
            for name in ("gateway", *(s.name for s in SERVICES)):
                databases[name] = create_database(pg_url, f"bench_report_{name.replace('-', '_')}")
                migrate(name, databases[name])
            started = time.perf_counter()
            tree = await build_city(
                databases["residents"], residents=args.residents, communities=args.communities
            )
            built_s = time.perf_counter() - started
            gw_port = free_port()
            gateway = f"http://127.0.0.1:{gw_port}"
            ports = {s.name: free_port() for s in SERVICES}
            urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
            common = {"LINLI_NATS_URL": nats_url, "LINLI_LOG_LEVEL": "WARNING"}
            for spec in SERVICES:
                env = {
                    **common,
                    "LINLI_DATABASE_URL": databases[spec.name],
                    "LINLI_JWKS_URL": f"{gateway}/.well-known/jwks.json",
                }
                servers.enter_context(
                    uvicorn(spec.app_factory, ports[spec.name], env, root / f"{spec.name}.log")
                )
            gateway_env = {
                **common,
                "LINLI_DATABASE_URL": databases["gateway"],
                "LINLI_GATEWAY_SIGNING_KEY_FILE": str(root / "key.pem"),
                "LINLI_UPSTREAMS": json.dumps(urls),
                "LINLI_RATE_LIMIT": "100000000/minute",
                "LINLI_STATS_TIMEOUT_S": "5",
            }
            servers.enter_context(
                uvicorn("linli.gateway.app:create_app", gw_port, gateway_env, root / "gw.log")
            )
            token = await token_of(gateway, databases["gateway"])
            communities = [code for code, _ in tree if len(code) == 12]
            print(
                f"{args.residents} residents in {len(communities)} communities (built in "
                f"{built_s:.1f} s); medians of {args.rounds} rounds, alternating\n"
            )
            print(
                f"{'report':22} {'units':>5} {'calls':>5} {'gateway ms':>11} "
                f"{'sum of own ms':>14} {'gateway/sum':>12} {'longest own ms':>15} "
                f"{'per-unit calls':>15} {'sum per unit ms':>16}"
            )
            street = next(code for code, _ in tree if len(code) == 9)
            for level, code in (("city", CITY), ("street", street)):
                f = await measure(gateway, urls, token, code, args.rounds)
                print(
                    f"{level + ' ' + code:22} {f.units:5} {f.own_calls:5} {f.gateway_ms:11.1f} "
                    f"{f.own_ms:14.1f} {f.gateway_ms / f.own_ms:12.2f} {f.longest_own_ms:15.1f} "
                    f"{f.per_unit_calls:15} {f.per_unit_ms:16.1f}"
                )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--communities", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=10)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
