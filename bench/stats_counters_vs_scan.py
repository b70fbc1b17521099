"""Benchmark: statistics of a city from the per-community counters against a scan of its residents,
side by side in one run, on a generated city of thousands of communities and a million residents.

`GET /stats?division=` answers from counters kept in the same transaction as every write, so a
city's figures are sums over a few rows per community. The other side computes the same figures
(population, households, age bands, tags) from the rows, which is what the answer would cost
without counters. Both answers are checked to be equal before anything is timed.

The residents are generated in SQL (no encryption, no events: the figures only read community,
birth date, tags and deletion), then the counters are built by the registry's own recount.
Runs on the embedded PostgreSQL (or LINLI_TEST_DATABASE_URL).

    .venv/bin/python bench/stats_counters_vs_scan.py [--residents 1000000] [--communities 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Principal, Role
from linli.common.db import create_engine, create_sessionmaker
from linli.infra.databases import create_database, migrate
from linli.infra.embedded import EmbeddedPostgres
from linli.residents.ages import BAND_AGES, AgeBand, latest_birth_for_age, today_in_shanghai
from linli.residents.divisions.repository import DivisionRepository
from linli.residents.models import StoredTag
from linli.residents.stats.service import division_stats, recount_communities

CITY = "3301"
ADMIN = Principal(subject="bench", roles=frozenset({Role.CITY_ADMIN}), scope=CITY)


def division_tree(communities: int) -> list[tuple[str, str]]:
    """A city of 10 districts, each of 10 streets, sharing `communities` between its streets."""
    tree = [(CITY, "杭州市")]
    streets = []
    for d in range(1, 11):
        district = f"{CITY}{d:02d}"
        tree.append((district, f"区{d}"))
        for s in range(1, 11):
            streets.append(f"{district}{s:03d}")
            tree.append((streets[-1], f"街道{d}-{s}"))
    for n in range(communities):
        street = streets[n % len(streets)]
        tree.append((f"{street}{n // len(streets) + 1:03d}", f"社区{n}"))
    return tree


async def populate(session: AsyncSession, *, residents: int) -> None:
    """One building and unit per community, a dwelling and household per 2.5 residents."""
    tags = [tag.value for tag in StoredTag]
    statements = [
        """INSERT INTO buildings (id, community_code, name)
           SELECT gen_random_uuid(), code, '1' FROM divisions WHERE level = 'community'""",
        """INSERT INTO units (id, building_id, community_code, name)
           SELECT gen_random_uuid(), id, community_code, '1' FROM buildings""",
        """INSERT INTO dwellings (id, unit_id, building_id, community_code, name)
           SELECT gen_random_uuid(), u.id, u.building_id, u.community_code, n::text
           FROM units u, generate_series(1, :per_community) n""",
        """CREATE TEMPORARY TABLE numbered ON COMMIT DROP AS
           SELECT row_number() OVER () AS n, gen_random_uuid() AS id, id AS dwelling_id,
                  community_code FROM dwellings""",
        """INSERT INTO households (id, community_code, dwelling_id)
           SELECT id, community_code, dwelling_id FROM numbered""",
        """INSERT INTO residents (id, household_id, community_code, name, sex, birth_date,
               id_number_cipher, id_number_index, id_number_masked, relation_to_head, tags)
           SELECT gen_random_uuid(), h.id, h.community_code, '居民',
                  CASE WHEN i % 2 = 0 THEN 'female' ELSE 'male' END,
                  date '1925-01-01' + (random() * 36000)::int,
                  '\\x00'::bytea, md5(i::text), '330***********0000',
                  CASE WHEN i % 3 = 0 THEN 'head' ELSE 'spouse' END,
                  CASE WHEN random() < 0.3
                       THEN ARRAY[(CAST(:tags AS text[]))[1 + (random() * :last_tag)::int]]
                       ELSE '{}' END::varchar[]
           FROM generate_series(1, :residents) i
           JOIN numbered h ON h.n = i % (SELECT count(*) FROM numbered) + 1""",
        # A few deleted records: counted by neither side.
        """UPDATE residents SET deleted_at = now(), deleted_by = 'bench',
               deletion_reason = 'duplicate' WHERE id_number_index < '01'""",
    ]
    communities = await session.scalar(
        text("SELECT count(*) FROM divisions WHERE level = 'community'")
    )
    params = {
        "per_community": max(1, round(residents / 2.5 / max(int(communities or 1), 1))),
        "residents": residents,
        "tags": tags,
        "last_tag": len(tags) - 1,
    }
    for statement in statements:
        await session.execute(text(statement), params)


async def scan(session: AsyncSession, division: str) -> dict[str, Any]:
    """The figures counted from the rows: what each answer costs without counters."""
    today = today_in_shanghai()
    # A band's youngest member was born on or before the day its lower age was reached.
    bounds = {band: latest_birth_for_age(BAND_AGES[band][0], today) for band in AgeBand}
    bands = ", ".join(
        f"count(*) FILTER (WHERE birth_date <= :b_{i}) AS b_{i}" for i, _ in enumerate(AgeBand)
    )
    params: dict[str, Any] = {"prefix": f"{division}%"}
    params |= {f"b_{i}": bounds[band] for i, band in enumerate(AgeBand)}
    row = (
        await session.execute(
            text(
                f"SELECT count(*) AS population, {bands} FROM residents "
                "WHERE community_code LIKE :prefix AND deleted_at IS NULL"
            ),
            params,
        )
    ).one()
    born_by = [row[i + 1] for i in range(len(AgeBand))]
    # Cumulative "born on or before" counts, oldest band last: differences give each band.
    per_band = {
        band.value: born_by[i] - (born_by[i + 1] if i + 1 < len(born_by) else 0)
        for i, band in enumerate(AgeBand)
    }
    tag_rows = await session.execute(
        text(
            "SELECT tag, count(*) FROM residents, unnest(tags) tag "
            "WHERE community_code LIKE :prefix AND deleted_at IS NULL GROUP BY tag"
        ),
        params,
    )
    households = await session.scalar(
        text(
            "SELECT count(*) FROM households WHERE community_code LIKE :prefix "
            "AND deleted_at IS NULL"
        ),
        params,
    )
    return {
        "population": row.population,
        "households": households,
        "age_bands": per_band,
        "tags": {tag: n for tag, n in tag_rows.all()},
    }


async def counted(session: AsyncSession, division: str) -> dict[str, Any]:
    figures = await division_stats(session, principal=ADMIN, division=division)
    stored = {tag.value for tag in StoredTag}
    return {
        "population": figures.population,
        "households": figures.households,
        "age_bands": figures.age_bands,
        "tags": {tag: n for tag, n in figures.tags.items() if tag in stored and n},
    }


async def median_ms(
    sessionmaker: async_sessionmaker[AsyncSession],
    answer: Callable[[AsyncSession, str], Awaitable[dict[str, Any]]],
    division: str,
    rounds: int,
) -> float:
    times = []
    for _ in range(rounds):
        async with sessionmaker() as session:
            started = time.perf_counter()
            await answer(session, division)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def run(args: argparse.Namespace) -> None:
    root = Path(tempfile.mkdtemp(prefix="linli-bench-stats-"))
    url = os.environ.get("LINLI_TEST_DATABASE_URL")
    try:
        with ExitStack() as servers:
            if url is None:
                url = servers.enter_context(EmbeddedPostgres(root / "pg", durable=False)).url
            database = create_database(url, "bench_stats")
            migrate("residents", database)
            engine = create_engine(database)
            sessionmaker = create_sessionmaker(engine)
            tree = division_tree(args.communities)
            communities = [code for code, _ in tree if len(code) == 12]
            started = time.perf_counter()
            async with sessionmaker.begin() as session:
                await DivisionRepository(session).upsert(tree)
                await populate(session, residents=args.residents)
            generated_s = time.perf_counter() - started
            started = time.perf_counter()
            async with sessionmaker.begin() as session:
                await recount_communities(session, community_codes=communities)
            recount_s = time.perf_counter() - started
            async with sessionmaker() as session:
                await session.execute(text("ANALYZE"))
                await session.commit()

            levels = {
                "city": CITY,
                "district": tree[1][0],
                "street": tree[2][0],
                "community": communities[0],
            }
            print(
                f"{args.residents} residents in {len(communities)} communities "
                f"(generated in {generated_s:.1f} s; counters recounted from the rows in "
                f"{recount_s:.1f} s)\n"
            )
            print(f"{'division':24} {'counters ms':>12} {'scan ms':>10} {'scan/counters':>14}")
            for level, code in levels.items():
                async with sessionmaker() as session:
                    from_counters, from_rows = (
                        await counted(session, code),
                        await scan(session, code),
                    )
                assert from_counters == from_rows, (level, from_counters, from_rows)
                fast = await median_ms(sessionmaker, counted, code, args.rounds)
                slow = await median_ms(sessionmaker, scan, code, max(1, args.rounds // 4))
                print(f"{level + ' ' + code:24} {fast:12.1f} {slow:10.1f} {slow / fast:14.1f}")
            await engine.dispose()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--communities", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=20)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
