"""Benchmark: a campaign's coverage as `GET /campaigns/{id}/coverage` answers it (counter rows
kept in each contact's transaction) against counting the contact rows directly, side by side in
one run, over a street of 50,000 households; both answers checked equal before anything is timed.

The roster (households of 10 communities, 5 grids and 20 buildings each, every building in a
court) is generated in bulk SQL; the campaign is started by the service's own `start` (the scope
snapshot and its counters); half the households get contacts in bulk SQL (reached, and some not
at home before), with the counters rebuilt by the repository's own `build_counters`; then 2,000
more contacts go through `record_contact` itself, 50 at a time concurrently, as workers at the
door would send them. Runs on the embedded PostgreSQL (or LINLI_TEST_DATABASE_URL).

    .venv/bin/python bench/campaign_coverage.py [--households 50000] [--rounds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Principal, Role
from linli.common.db import create_engine, create_sessionmaker
from linli.grid.campaigns import service
from linli.grid.campaigns.repository import CampaignRepository
from linli.grid.campaigns.schemas import CampaignCreate
from linli.grid.models import CampaignCounter, CampaignHousehold, ContactOutcome, ContactPlace
from linli.infra.databases import create_database, migrate
from linli.infra.embedded import EmbeddedPostgres

STREET = "330108001"
ADMIN = Principal(subject="bench", roles=frozenset({Role.STREET_ADMIN}), scope=STREET)
WORKER = Principal(subject="bench-gw", roles=frozenset({Role.GRID_WORKER}), scope=STREET)
COMMUNITIES = 10
GRIDS = 5
BUILDINGS = 20


async def populate(session: AsyncSession, *, households: int) -> None:
    """Grids, buildings (each in one of two courts of its community) and the roster's
    households, addressed `<building>-<unit>-<room>`, with 1 to 4 residents each."""
    statements = [
        """INSERT INTO place_grids (id, community_code, number, name, last_event_at)
           SELECT gen_random_uuid(), :street || lpad(c::text, 3, '0'), g, '网格' || g, now()
           FROM generate_series(1, :communities) c, generate_series(1, :grids) g""",
        """CREATE TEMPORARY TABLE courts ON COMMIT DROP AS
           SELECT :street || lpad(c::text, 3, '0') AS community_code, k, gen_random_uuid() AS id
           FROM generate_series(1, :communities) c, generate_series(0, 1) k""",
        """INSERT INTO place_buildings (id, community_code, grid_id, court_id, name, last_event_at)
           SELECT gen_random_uuid(), g.community_code, g.id, k.id, b || '幢', now()
           FROM generate_series(1, :buildings) b
           JOIN place_grids g ON g.number = (b - 1) % :grids + 1
           JOIN courts k ON k.community_code = g.community_code AND k.k = b % 2
           WHERE g.community_code LIKE :street || '%'""",
        """INSERT INTO household_roster (household_id, community_code, grid_id, address, members,
               first_seen_event_id, last_event_at, address_at)
           SELECT gen_random_uuid(), b.community_code, b.grid_id,
                  b.name || '-' || (i % 4 + 1) || '单元-' || i, 1 + i % 4, 'bench', now(), now()
           FROM generate_series(1, :households) i
           JOIN (SELECT *, row_number() OVER (ORDER BY community_code, name) - 1 AS n
                 FROM place_buildings WHERE community_code LIKE :street || '%') b
             ON b.n = i % (CAST(:communities AS int) * CAST(:buildings AS int))""",
    ]
    params = {
        "street": STREET,
        "communities": COMMUNITIES,
        "grids": GRIDS,
        "buildings": BUILDINGS,
        "households": households,
    }
    for statement in statements:
        await session.execute(text(statement), params)


async def contact_half(session: AsyncSession, campaign_id: uuid.UUID) -> None:
    """Every other household reached (a third of them after a not-at-home), in bulk."""
    params = {"campaign": campaign_id}
    await session.execute(
        text(
            """CREATE TEMPORARY TABLE chosen ON COMMIT DROP AS
               SELECT household_id, row_number() OVER (ORDER BY household_id) AS n
               FROM campaign_households WHERE campaign_id = :campaign"""
        ),
        params,
    )
    for outcome, where in (("not_at_home", "n % 6 = 0 OR n % 6 = 3"), ("reached", "n % 2 = 0")):
        await session.execute(
            text(
                f"""INSERT INTO campaign_contacts (id, campaign_id, household_id, outcome, place,
                        worker_subject, at)
                    SELECT gen_random_uuid(), :campaign, household_id, '{outcome}', 'station',
                           'bench', now() FROM chosen WHERE {where}"""
            ),
            params,
        )
    await session.execute(
        text(
            """UPDATE campaign_households h SET reached_at = now(), last_outcome = 'reached'
               FROM chosen c WHERE h.campaign_id = :campaign AND h.household_id = c.household_id
                 AND c.n % 2 = 0"""
        ),
        params,
    )
    # The counters as the snapshot builds them, now over half reached.
    await session.execute(delete(CampaignCounter).where(CampaignCounter.campaign_id == campaign_id))
    await CampaignRepository(session).build_counters(campaign_id)


async def from_counters(session: AsyncSession, campaign_id: uuid.UUID) -> dict[str, Any]:
    coverage = await service.coverage(session, campaign_id=campaign_id, principal=ADMIN)

    def parts(items: list[Any], key: Callable[[Any], str]) -> dict[str, tuple[int, ...]]:
        return {
            key(p): (
                p.households_reached,
                p.households_total,
                p.residents_reached,
                p.residents_total,
            )
            for p in items
        }

    return {
        "total": parts([coverage.total], lambda _: ""),
        "community": parts(coverage.communities, lambda p: p.community_code),
        "grid": parts(coverage.grids, lambda p: f"{p.community_code}/{p.grid_id or ''}"),
        "court": parts(coverage.courts, lambda p: f"{p.community_code}/{p.court_id or ''}"),
        "building": parts(coverage.buildings, lambda p: f"{p.community_code}/{p.building}"),
    }


_PARTS = {
    "total": "''",
    "community": "h.community_code",
    "grid": "h.community_code || '/' || coalesce(h.grid_id::text, '')",
    "court": "h.community_code || '/' || coalesce(h.court_id::text, '')",
    "building": "h.community_code || '/' || h.building",
}


async def from_contacts(session: AsyncSession, campaign_id: uuid.UUID) -> dict[str, Any]:
    """The same figures counted from the contact rows: a household is reached when any of its
    contacts says so, and its residents with it."""
    answer: dict[str, Any] = {}
    for name, key in _PARTS.items():
        rows = await session.execute(
            text(
                f"""WITH reached AS (
                        SELECT DISTINCT household_id FROM campaign_contacts
                        WHERE campaign_id = :campaign AND outcome = 'reached')
                    SELECT {key} AS key,
                           count(r.household_id), count(*),
                           coalesce(sum(h.residents) FILTER (WHERE r.household_id IS NOT NULL), 0),
                           sum(h.residents)
                    FROM campaign_households h
                    LEFT JOIN reached r ON r.household_id = h.household_id
                    WHERE h.campaign_id = :campaign
                    GROUP BY 1"""
            ),
            {"campaign": campaign_id},
        )
        answer[name] = {row[0]: tuple(int(v) for v in row[1:]) for row in rows.all()}
    return answer


async def median_ms(
    sessionmaker: async_sessionmaker[AsyncSession],
    answer: Callable[[AsyncSession, uuid.UUID], Awaitable[dict[str, Any]]],
    campaign_id: uuid.UUID,
    rounds: int,
) -> float:
    times = []
    for _ in range(rounds):
        async with sessionmaker() as session:
            started = time.perf_counter()
            await answer(session, campaign_id)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def run(args: argparse.Namespace) -> None:
    root = Path(tempfile.mkdtemp(prefix="linli-bench-campaign-"))
    url = os.environ.get("LINLI_TEST_DATABASE_URL")
    try:
        with ExitStack() as servers:
            if url is None:
                url = servers.enter_context(EmbeddedPostgres(root / "pg", durable=False)).url
            database = create_database(url, "bench_campaign")
            migrate("grid", database)
            engine = create_engine(database, pool_size=20)
            sessionmaker = create_sessionmaker(engine, event_source="/linli/grid")
            started = time.perf_counter()
            async with sessionmaker.begin() as session:
                await populate(session, households=args.households)
            generated_s = time.perf_counter() - started
            started = time.perf_counter()
            async with sessionmaker.begin() as session:
                campaign = await service.start(
                    session,
                    campaign_in=CampaignCreate(
                        division_code=STREET,
                        title="全员核酸检测",
                        goal="每户完成一次采样",
                        ends_at=datetime.now(UTC) + timedelta(days=4),
                    ),
                    principal=ADMIN,
                )
                campaign_id = campaign.id
            start_s = time.perf_counter() - started
            async with sessionmaker.begin() as session:
                await contact_half(session, campaign_id)

            # 2,000 more contacts through the service, 50 at a time, as workers send them.
            async with sessionmaker() as session:
                pending = list(
                    (
                        await session.scalars(
                            select(CampaignHousehold.household_id)
                            .where(
                                CampaignHousehold.campaign_id == campaign_id,
                                CampaignHousehold.reached_at.is_(None),
                            )
                            .order_by(CampaignHousehold.household_id)
                            .limit(2000)
                        )
                    ).all()
                )

            async def record(household_id: uuid.UUID, n: int) -> None:
                async with sessionmaker.begin() as session:
                    await service.record_contact(
                        session,
                        campaign_id=campaign_id,
                        household_id=household_id,
                        outcome=ContactOutcome.REACHED if n % 4 else ContactOutcome.NOT_AT_HOME,
                        place=ContactPlace.DOOR,
                        note=None,
                        principal=WORKER,
                    )

            started = time.perf_counter()
            for batch in range(0, len(pending), 50):
                await asyncio.gather(
                    *(record(h, batch + i) for i, h in enumerate(pending[batch : batch + 50]))
                )
            contacts_s = time.perf_counter() - started
            async with sessionmaker() as session:
                await session.execute(text("ANALYZE"))
                await session.commit()
                contacts = await session.scalar(
                    text("SELECT count(*) FROM campaign_contacts WHERE campaign_id = :c"),
                    {"c": campaign_id},
                )

            async with sessionmaker() as session:
                counters, counted = (
                    await from_counters(session, campaign_id),
                    await from_contacts(session, campaign_id),
                )
            assert counters == counted, "coverage differs from counting the contacts"
            total = counters["total"][""]
            print(
                f"{args.households} households of {COMMUNITIES} communities "
                f"(generated in {generated_s:.1f} s); campaign started (snapshot and counters) "
                f"in {start_s:.1f} s; {contacts} contacts, the last {len(pending)} through "
                f"record_contact 50 at once ({len(pending) / contacts_s:.0f}/s)"
            )
            print(
                f"coverage: {total[0]}/{total[1]} households, {total[2]}/{total[3]} residents "
                f"reached; {sum(len(v) for v in counters.values())} parts, all equal to the "
                "count from the contact rows\n"
            )
            fast = await median_ms(sessionmaker, from_counters, campaign_id, args.rounds)
            slow = await median_ms(sessionmaker, from_contacts, campaign_id, args.rounds)
            print(f"{'answer':34} {'median ms':>10}")
            print(f"{'coverage (counter rows)':34} {fast:10.1f}")
            print(f"{'counting the contact rows':34} {slow:10.1f}")
            print(f"{'contacts / counters':34} {slow / fast:10.1f}x")
            await engine.dispose()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=20)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
