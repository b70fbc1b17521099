"""Benchmark: latency from a service's committed transaction to a district system's durable
consumer (outbox row + NOTIFY, relay, JetStream, a district credential's filtered pull consumer),
against bare JetStream publishing to the same consumer, side by side in one run, at a steady
moderate load. NATS runs with Linli's decentralised auth, as in `make run`. Target: p99 ≤ 20 ms.

    .venv/bin/python bench/commit_to_district.py [--rate 200] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import RawCredentials
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from linli.cli.district_creds import init_store
from linli.common.db import KernelBase, create_engine, create_sessionmaker
from linli.common.divisions import Level
from linli.common.events import new_cloud_event
from linli.common.nats import NatsConnection
from linli.common.outbox import events_of
from linli.common.outbox.relay import OutboxRelay
from linli.grid.incidents.events import IncidentReported
from linli.infra.databases import create_database
from linli.infra.embedded import EmbeddedPostgres, NatsServer
from linli.infra.nats_auth import inbox_prefix

DISTRICT = "330106"
COMMUNITY = "330106001001"


def incident() -> IncidentReported:
    now = datetime.now(UTC)
    return IncidentReported(
        community_code=COMMUNITY,
        incident_id=uuid.uuid4(),
        grid_id=None,
        building_id=None,
        category="environment",
        status="reported",
        level=Level.COMMUNITY,
        actor_role="resident",
        at=now,
        source="resident",
        dispatch_due_at=now + timedelta(hours=2),
        resolve_due_at=now + timedelta(days=2),
    )


async def measure(
    send: Callable[[], Awaitable[str]],
    fetch: Any,
    *,
    rate: float,
    seconds: float,
) -> list[float]:
    """Send at `rate`/s for `seconds`; each latency runs from the send's return (the commit) to
    the district consumer's receipt of that event."""
    sent: dict[str, float] = {}
    # A bare publish can reach the consumer before its ack returns to the sender: such an event
    # waits here for its send time, and counts as 0 ms (it was there when the sender knew it sent).
    early: dict[str, float] = {}
    latencies: list[float] = []
    total = int(rate * seconds)

    async def receive() -> None:
        while len(latencies) < total:
            try:
                batch = await fetch.fetch(100, timeout=1)
            except TimeoutError:
                continue
            now = time.perf_counter()
            for msg in batch:
                event_id = msg.headers.get("Nats-Msg-Id") if msg.headers else None
                if event_id in sent:
                    latencies.append((now - sent.pop(event_id)) * 1000)
                elif event_id is not None:
                    early[event_id] = now
                await msg.ack()

    receiver = asyncio.create_task(receive())
    started = time.perf_counter()
    for index in range(total):
        await asyncio.sleep(max(0.0, started + index / rate - time.perf_counter()))
        event_id = await send()
        returned = time.perf_counter()
        if (received := early.pop(event_id, None)) is not None:
            latencies.append(max(0.0, received - returned) * 1000)
        else:
            sent[event_id] = returned
    await asyncio.wait_for(receiver, timeout=seconds + 30)
    return latencies


def load_average() -> str:
    """The 1-minute load average: the machine is shared, and the figures move with it."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "n/a"


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def run(args: argparse.Namespace) -> None:
    root = Path(tempfile.mkdtemp(prefix="linli-bench-flow-"))
    pg = EmbeddedPostgres(root / "pg", durable=False)
    store = init_store(root / "auth", resolver_dir=root / "jwt")
    (store.dir / "nats.conf").write_text("include auth.conf\n")
    server = NatsServer(root / "nats", config_file=store.dir / "nats.conf")
    try:
        pg.start()
        server.start()
        engine = create_engine(create_database(pg.url, "bench_flow"), pool_size=8)
        async with engine.begin() as conn:
            await conn.run_sync(KernelBase.metadata.create_all)
        sessions = create_sessionmaker(engine, event_source="/linli/grid")
        service = NatsConnection(
            server.url, name="grid", credentials=str(store.service_creds("grid"))
        )
        await service.start()
        js = await service.jetstream()
        relay = OutboxRelay(
            sessions,
            service,
            database_url=engine.url,
            poll_interval_s=1.0,
        )
        await relay.start()

        credential, creds = store.issue_district(scope=DISTRICT, name="bench-tally")
        district = await nats.connect(
            server.url,
            user_credentials=RawCredentials(creds),
            inbox_prefix=inbox_prefix(credential.name),
        )
        await district.jetstream().add_consumer(
            "LINLI",
            ConsumerConfig(
                name=credential.name,
                durable_name=credential.name,
                filter_subject=credential.subjects,
                deliver_policy=DeliverPolicy.NEW,
                ack_policy=AckPolicy.EXPLICIT,
            ),
        )
        pull = await district.jetstream().pull_subscribe_bind(credential.name, stream="LINLI")

        async def commit() -> str:
            async with sessions() as session, session.begin():
                recorded = await events_of(session).record(incident(), subject_id=uuid.uuid4())
            return recorded.id

        async def bare() -> str:
            event = incident()
            cloud = new_cloud_event(event, source="/linli/grid", subject_id=str(uuid.uuid4()))
            await js.publish(
                event.subject(), cloud.model_dump_json().encode(), headers={"Nats-Msg-Id": cloud.id}
            )
            return cloud.id

        load_before = load_average()
        await measure(commit, pull, rate=args.rate, seconds=1)  # warm both paths
        await measure(bare, pull, rate=args.rate, seconds=1)
        results: dict[str, list[float]] = {"outbox": [], "bare": []}
        # This process's CPU (service, relay and district consumer share one event loop): unlike
        # the latencies, it hardly moves with what else the shared machine runs.
        cpu_s = {"outbox": 0.0, "bare": 0.0}
        for _ in range(args.rounds):  # alternating, so both see the same machine
            for path, send in (("outbox", commit), ("bare", bare)):
                cpu_before = time.process_time()
                results[path] += await measure(send, pull, rate=args.rate, seconds=args.seconds)
                cpu_s[path] += time.process_time() - cpu_before
        outbox, direct = results["outbox"], results["bare"]
        print(
            f"{args.rate:g} events/s for {args.seconds:g} s x {args.rounds} rounds, alternating; "
            "NATS with JWT auth, district credential, filtered durable pull consumer; "
            f"load average {load_before} before, {load_average()} after\n"
        )
        print(
            f"{'path to the district consumer':48} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
            f"{'CPU µs/event':>12}"
        )
        for label, path, values in (
            ("commit -> outbox relay -> JetStream -> district", "outbox", outbox),
            ("bare JetStream publish (ack) -> district", "bare", direct),
        ):
            print(
                f"{label:48} {percentile(values, 50):7.2f} {percentile(values, 99):7.2f} "
                f"{max(values):7.2f} {cpu_s[path] / len(values) * 1e6:12.0f}"
            )
        print(
            f"\noutbox/bare: p50 {percentile(outbox, 50) / percentile(direct, 50):.2f}x, "
            f"p99 {percentile(outbox, 99) / percentile(direct, 99):.2f}x; target p99 <= 20 ms: "
            f"{'met' if percentile(outbox, 99) <= 20 else 'NOT met'}"
        )
        await district.close()
        await relay.stop()
        await service.stop()
        await engine.dispose()
    finally:
        server.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
