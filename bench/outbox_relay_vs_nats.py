"""Benchmark: events per second from the transactional outbox to JetStream (claim, publish, await
acks, mark sent) against bare JetStream publishing of the same messages, side by side in one run.
Target: the relay near bare publishing.

    .venv/bin/python bench/outbox_relay_vs_nats.py [--events 5000] [--batch 500] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from linli.common.db import KernelBase, create_engine, create_sessionmaker
from linli.common.events import CloudEvent
from linli.common.nats import NatsConnection
from linli.common.outbox import OutboxMessage
from linli.common.outbox.relay import OutboxRelay
from linli.infra.databases import create_database
from linli.infra.embedded import EmbeddedPostgres, NatsServer

COMMUNITY = "330108001001"
SUBJECT = f"linli.3301.330108.330108001.{COMMUNITY}.bench.thing.happened"


def event_payload() -> dict[str, object]:
    return CloudEvent(
        id=str(uuid.uuid4()),
        source="/linli/bench",
        type="cn.linli.bench.thing.happened.v1",
        subject=str(uuid.uuid4()),
        time=datetime.now(UTC),
        data={"community_code": COMMUNITY, "note": "x" * 200},
    ).model_dump(mode="json")


async def fill_outbox(engine: AsyncEngine, count: int) -> None:
    rows = []
    for _ in range(count):
        payload = event_payload()
        rows.append(
            {
                "id": uuid.UUID(str(payload["id"])),
                "subject": SUBJECT,
                "type": payload["type"],
                "payload": payload,
            }
        )
    async with engine.begin() as conn:
        await conn.execute(insert(OutboxMessage), rows)


async def relay_rate(engine: AsyncEngine, nats: NatsConnection, count: int, batch: int) -> float:
    await fill_outbox(engine, count)
    relay = OutboxRelay(create_sessionmaker(engine), nats, batch_size=batch, listen=False)
    started = time.perf_counter()
    published = 0
    while published < count:
        published += await relay.drain_once()
    return count / (time.perf_counter() - started)


async def bare_rate(nats: NatsConnection, count: int, batch: int) -> float:
    """The same bodies and headers, acks awaited per `batch` (pass `count` to await them all at
    the end, the fastest a producer can go)."""
    js = await nats.jetstream()
    bodies = [
        CloudEvent.model_validate(event_payload()).model_dump_json().encode() for _ in range(count)
    ]
    started = time.perf_counter()
    for start in range(0, count, batch):
        futures = [
            await js.publish_async(SUBJECT, body, headers={"Nats-Msg-Id": str(uuid.uuid4())})
            for body in bodies[start : start + batch]
        ]
        await asyncio.gather(*futures)
    return count / (time.perf_counter() - started)


async def run(args: argparse.Namespace) -> None:
    root = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    pg = nats_server = None
    try:
        pg_url = os.environ.get("LINLI_TEST_DATABASE_URL")
        nats_url = os.environ.get("LINLI_TEST_NATS_URL")
        if not pg_url:
            pg = EmbeddedPostgres(root / "pg", durable=False)
            pg.start()
            pg_url = pg.url
        if not nats_url:
            nats_server = NatsServer(root / "nats")
            nats_server.start()
            nats_url = nats_server.url
        url = create_database(pg_url, "bench_outbox")
        engine = create_engine(url, pool_size=4)
        async with engine.begin() as conn:
            await conn.run_sync(KernelBase.metadata.create_all)
        nats = NatsConnection(nats_url, name="bench")
        await nats.start()
        await relay_rate(engine, nats, 500, args.batch)  # warm both paths
        await bare_rate(nats, 500, args.batch)
        relay, bare, pipelined = [], [], []
        for _ in range(args.rounds):
            relay.append(await relay_rate(engine, nats, args.events, args.batch))
            bare.append(await bare_rate(nats, args.events, args.batch))
            pipelined.append(await bare_rate(nats, args.events, args.events))
        r, b, p = (sum(x) / len(x) for x in (relay, bare, pipelined))
        print(f"{args.events} events, batches of {args.batch}, {args.rounds} rounds, alternating\n")
        print(f"{'path':52} {'events/s':>9} {'relay/x':>8}")
        print(f"{'outbox relay (claim, publish, await acks, mark sent)':52} {r:9.0f}")
        print(f"{'bare publish_async, acks awaited per batch':52} {b:9.0f} {r / b:8.2f}")
        print(f"{'bare publish_async, all acks awaited at the end':52} {p:9.0f} {r / p:8.2f}")
        await nats.stop()
        await engine.dispose()
    finally:
        if nats_server is not None:
            nats_server.stop()
        if pg is not None:
            pg.stop()
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
