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


Send = Callable[[], Awaitable[tuple[str, float]]]
"""Sends one event: its id and when it came to be (the commit's return, or the publish call)."""


async def measure(
    send: Send, fetch: Any, *, rate: float, seconds: float
) -> tuple[list[float], list[float]]:
    """Send at `rate`/s for `seconds`. Per event, the latency to the district consumer's receipt
    from when the event came to be, and from the send's return (the commit's, or the publish's
    ack): (from the start, from the return)."""
    sent: dict[str, tuple[float, float]] = {}
    # An event can reach the consumer before its send returns (a bare publish before its ack):
    # it waits here for its send times, and its latency from the return counts as 0 ms.
    early: dict[str, float] = {}
    from_start: list[float] = []
    from_return: list[float] = []
    total = int(rate * seconds)

    def record(received: float, started: float, returned: float) -> None:
        from_start.append(max(0.0, received - started) * 1000)
        from_return.append(max(0.0, received - returned) * 1000)

    async def receive() -> None:
        while len(from_start) < total:
            try:
                batch = await fetch.fetch(100, timeout=1)
            except TimeoutError:
                continue
            now = time.perf_counter()
            for msg in batch:
                event_id = msg.headers.get("Nats-Msg-Id") if msg.headers else None
                if event_id in sent:
                    record(now, *sent.pop(event_id))
                elif event_id is not None:
                    early[event_id] = now
                await msg.ack()

    receiver = asyncio.create_task(receive())
    started = time.perf_counter()
    for index in range(total):
        await asyncio.sleep(max(0.0, started + index / rate - time.perf_counter()))
        event_id, came_to_be = await send()
        returned = time.perf_counter()
        if (received := early.pop(event_id, None)) is not None:
            record(received, came_to_be, returned)
        else:
            sent[event_id] = (came_to_be, returned)
    await asyncio.wait_for(receiver, timeout=seconds + 30)
    return from_start, from_return


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

        async def commit() -> tuple[str, float]:
            async with sessions() as session, session.begin():
                recorded = await events_of(session).record(incident(), subject_id=uuid.uuid4())
            # The event exists from its commit on, not before.
            return recorded.id, time.perf_counter()

        async def bare() -> tuple[str, float]:
            event = incident()
            cloud = new_cloud_event(event, source="/linli/grid", subject_id=str(uuid.uuid4()))
            body = cloud.model_dump_json().encode()
            called = time.perf_counter()
            await js.publish(event.subject(), body, headers={"Nats-Msg-Id": cloud.id})
            return cloud.id, called

        load_before = load_average()
        await measure(commit, pull, rate=args.rate, seconds=1)  # warm both paths
        await measure(bare, pull, rate=args.rate, seconds=1)
        # Per path: latencies from the event's start and from its send's return.
        results: dict[str, tuple[list[float], list[float]]] = {
            "outbox": ([], []),
            "bare": ([], []),
        }
        # This process's CPU (service, relay and district consumer share one event loop): unlike
        # the latencies, it hardly moves with what else the shared machine runs.
        cpu_s = {"outbox": 0.0, "bare": 0.0}
        for _ in range(args.rounds):  # alternating, so both see the same machine
            for path, send in (("outbox", commit), ("bare", bare)):
                cpu_before = time.process_time()
                from_start, from_return = await measure(
                    send, pull, rate=args.rate, seconds=args.seconds
                )
                cpu_s[path] += time.process_time() - cpu_before
                results[path][0].extend(from_start)
                results[path][1].extend(from_return)
        outbox, direct, delivery = results["outbox"][0], results["bare"][0], results["bare"][1]
        print(
            f"{args.rate:g} events/s for {args.seconds:g} s x {args.rounds} rounds, alternating; "
            "NATS with JWT auth, district credential, filtered durable pull consumer; "
            f"load average {load_before} before, {load_average()} after\n"
        )
        print(
            f"{'path to the district consumer':48} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
            f"{'CPU µs/event':>12}"
        )
        lines: list[tuple[str, str | None, list[float]]] = [
            ("commit -> outbox relay -> JetStream -> district", "outbox", outbox),
            ("bare JetStream publish (call) -> district", "bare", direct),
            # The same events, from the publish's ack: the consumer's delivery alone.
            ("bare JetStream publish (ack) -> district", None, delivery),
        ]
        for label, cpu_of, values in lines:
            cpu = f"{cpu_s[cpu_of] / len(values) * 1e6:12.0f}" if cpu_of else f"{'':12}"
            print(
                f"{label:48} {percentile(values, 50):7.2f} {percentile(values, 99):7.2f} "
                f"{max(values):7.2f} {cpu}"
            )
        print(
            f"\noutbox/bare (from the publish call): p50 "
            f"{percentile(outbox, 50) / percentile(direct, 50):.2f}x, "
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
