"""Benchmark: residents per second through the registry's bulk import against a raw PostgreSQL COPY
of the same CSV rows into a bare table, side by side in one run.

A first import of the file with 1% of its rows spoiled must store nothing and report every
spoiled row (it is timed too); then the good file is imported. The import runs in-process through the service's own code, exactly what `POST /imports/residents`
starts after the upload is spooled: `open_job` then the ImportRunner (validation pass over every
row with the blind-index look-ups, then one transaction: AES-GCM + HMAC per row, COPY into the
staging table, places, households, residents, counter recount, `*.created` events COPied into the
outbox). HTTP is left out: the upload is a streamed write of ~10 MB to a temporary file, and the
figure to read is the registry's own cost per row. The COPY side sends the same file to
`COPY … FROM STDIN (FORMAT csv, HEADER)` into an unindexed table of text columns: the ceiling.

Runs on the embedded PostgreSQL (or LINLI_TEST_DATABASE_URL).

    .venv/bin/python bench/import_vs_copy.py [--rows 100000] [--communities 10]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import csv
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import asyncpg

from linli.common.auth import Principal, Role
from linli.common.db import create_engine, create_sessionmaker
from linli.common.outbox.relay import asyncpg_connect_args
from linli.common.pii import PiiCipher
from linli.infra.databases import create_database, migrate
from linli.infra.embedded import EmbeddedPostgres
from linli.residents.config import Settings
from linli.residents.divisions.repository import DivisionRepository
from linli.residents.identity import check_character
from linli.residents.imports import service
from linli.residents.imports.files import SpooledFile
from linli.residents.imports.runner import ImportRunner
from linli.residents.models.imports import ImportFormat, ImportJob, ImportStatus

STREET = "330108001"
HEADER = [
    "community_code",
    "court",
    "building",
    "unit",
    "room",
    "name",
    "id_number",
    "phone",
    "relation_to_head",
    "tags",
]
RELATIONS = ("head", "spouse", "child", "parent")


@contextmanager
def postgres(root: Path) -> Iterator[str]:
    if url := os.environ.get("LINLI_TEST_DATABASE_URL"):
        yield url
        return
    server = EmbeddedPostgres(root / "pg", durable=False)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def communities(count: int) -> list[str]:
    return [f"{STREET}{n:03d}" for n in range(1, count + 1)]


def write_csv(path: Path, rows: int, codes: list[str]) -> None:
    """`rows` residents with valid, distinct ID numbers; households of 2.5 people on average
    (alternately 2 and 3), 10 dwellings to a unit, 4 units to a building."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        dwelling = member = 0
        for i in range(rows):
            size = 2 + dwelling % 2
            code = codes[dwelling % len(codes)]
            local = dwelling // len(codes)
            born = date(1940, 1, 1) + timedelta(days=i % 25000)
            body = f"330108{born:%Y%m%d}{(i // 25000) % 1000:03d}"
            writer.writerow(
                [
                    code,
                    f"花苑{local // 400 + 1}",
                    f"{local // 40 + 1}幢",
                    f"{local // 10 % 4 + 1}单元",
                    f"{local % 10 + 1}01",
                    f"居民{i}",
                    body + check_character(body),
                    f"139{i:08d}" if i % 3 else "",
                    RELATIONS[min(member, 3)],
                    "volunteer;party_member" if i % 11 == 0 else "",
                ]
            )
            member += 1
            if member == size:
                dwelling, member = dwelling + 1, 0


def spoil(source: Path, target: Path, every: int) -> int:
    """A copy with a wrong check character in every `every`-th row; how many were spoiled."""
    spoiled = 0
    with (
        source.open(encoding="utf-8", newline="") as read,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        writer = csv.writer(out)
        for n, cells in enumerate(csv.reader(read)):
            if n and n % every == 0:
                number = cells[6]
                cells[6] = number[:17] + ("0" if number[17] != "0" else "1")
                spoiled += 1
            writer.writerow(cells)
    return spoiled


def spooled(path: Path) -> SpooledFile:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return SpooledFile(
        path=path,
        size=path.stat().st_size,
        sha256=digest,
        format=ImportFormat.CSV,
        filename=path.name,
    )


async def import_through_service(
    url: str, source: Path, codes: list[str], *, seed: bool = True
) -> dict[str, float]:
    engine = create_engine(url, pool_size=4)
    sessionmaker = create_sessionmaker(engine, event_source=Settings().event_source)
    cipher = PiiCipher(
        key=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        index_key=base64.urlsafe_b64encode(os.urandom(32)).decode(),
    )
    try:
        async with sessionmaker.begin() as session:
            if seed:
                await DivisionRepository(session).upsert(
                    [("3301", "杭州市"), ("330108", "滨江区"), (STREET, "西兴街道")]
                    + [(code, f"社区{code[-3:]}") for code in codes]
                )
        # The runner removes its file when done: give it a copy.
        work = source.with_suffix(".work.csv")
        shutil.copyfile(source, work)
        admin = Principal(subject="bench", roles=frozenset({Role.STREET_ADMIN}), scope=STREET)
        runner = ImportRunner(
            sessionmaker, cipher, heartbeat_s=5.0, stale_after=timedelta(seconds=60)
        )
        started = time.perf_counter()
        async with sessionmaker.begin() as session:
            job, _ = await service.open_job(
                session, principal=admin, scope=STREET, file=spooled(work), idempotency_key=None
            )
        await runner.start(job.id, spooled(work))
        storing_at = None
        while True:
            await asyncio.sleep(0.1)
            async with sessionmaker() as session:
                status = (await session.get(ImportJob, job.id, populate_existing=True)).status  # type: ignore[union-attr]
            if status is ImportStatus.STORING and storing_at is None:
                storing_at = time.perf_counter()
            if status in (ImportStatus.COMPLETED, ImportStatus.REJECTED, ImportStatus.FAILED):
                break
        await runner.wait(job.id)
        finished = time.perf_counter()
        async with sessionmaker() as session:
            done = await session.get(ImportJob, job.id, populate_existing=True)
        assert done is not None and done.status is not ImportStatus.FAILED, done and done.error
        validate_s = (storing_at or finished) - started
        return {
            "total_s": finished - started,
            "validate_s": validate_s,
            "store_s": finished - (storing_at or finished),
            "rows": float(done.rows_stored),
            "bad_rows": float(done.bad_rows),
        }
    finally:
        await engine.dispose()


async def raw_copy(url: str, source: Path) -> float:
    connection = await asyncpg.connect(**asyncpg_connect_args(url))
    try:
        columns = ", ".join(f"{name} text" for name in HEADER)
        await connection.execute(
            f"DROP TABLE IF EXISTS bare_residents; CREATE TABLE bare_residents ({columns})"
        )
        started = time.perf_counter()
        with source.open("rb") as data:
            await connection.copy_to_table("bare_residents", source=data, format="csv", header=True)
        return time.perf_counter() - started
    finally:
        await connection.close()


async def run(args: argparse.Namespace) -> None:
    root = Path(tempfile.mkdtemp(prefix="linli-bench-import-"))
    try:
        codes = communities(args.communities)
        source = root / "residents.csv"
        write_csv(source, args.rows, codes)
        size_mb = source.stat().st_size / 1e6
        with postgres(root) as server:
            import_db = create_database(server, "bench_import")
            copy_db = create_database(server, "bench_copy")
            migrate("residents", import_db)
            copy_s = await raw_copy(copy_db, source)
            spoiled_file = root / "spoiled.csv"
            spoiled = spoil(source, spoiled_file, 100)
            rejected = await import_through_service(import_db, spoiled_file, codes)
            assert rejected["rows"] == 0 and rejected["bad_rows"] == spoiled, rejected
            imported = await import_through_service(import_db, source, codes, seed=False)
            assert imported["rows"] == args.rows, imported
        rows = args.rows
        service_rate = rows / imported["total_s"]
        copy_rate = rows / copy_s
        print(f"{rows} residents, {len(codes)} communities, {size_mb:.1f} MB of CSV\n")
        print(f"{'path':58} {'seconds':>8} {'rows/s':>9} {'ratio':>6}")
        print(
            f"{'raw COPY of the CSV into a bare table (text columns)':58} {copy_s:8.2f} {copy_rate:9.0f} {1:6.2f}"
        )
        print(
            f"{'registry import (validate + store, in-process)':58} {imported['total_s']:8.2f} "
            f"{service_rate:9.0f} {service_rate / copy_rate:6.3f}"
        )
        print(
            f"{'  of which validation pass (every row, blind-index look-ups)':58} "
            f"{imported['validate_s']:8.2f} {rows / imported['validate_s']:9.0f}"
        )
        print(
            f"{'  of which storage (encrypt, stage, insert, events, commit)':58} "
            f"{imported['store_s']:8.2f} {rows / max(imported['store_s'], 1e-9):9.0f}"
        )
        print(
            f"{f'the same file with {spoiled} bad rows (1%): rejected, all reported':58} "
            f"{rejected['total_s']:8.2f} {rows / rejected['total_s']:9.0f}"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--communities", type=int, default=10)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
