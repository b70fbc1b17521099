"""The outbox relay: publishes committed outbox rows to JetStream and marks them sent once acked."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import asyncpg
import structlog
from nats.js import JetStreamContext
from nats.js.api import PubAck
from prometheus_client import Counter, Gauge
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from linli.common.nats import Backoff, JetStreamSource
from linli.common.outbox.models import OutboxMessage
from linli.common.outbox.record import OUTBOX_CHANNEL
from linli.common.tasks import cancel_and_wait

__all__ = ["OutboxRelay", "asyncpg_connect_args"]

log = structlog.get_logger("linli.outbox")

PUBLISHED = Counter("linli_outbox_published_total", "Outbox events acknowledged by JetStream")
DUPLICATES = Counter(
    "linli_outbox_duplicates_total",
    "Outbox events JetStream acknowledged as duplicates (published before, ack lost)",
)
FAILURES = Counter(
    "linli_outbox_publish_failures_total",
    "Outbox publishes that got no JetStream ack, and relay passes that failed outright",
)
OLDEST_UNSENT = Gauge(
    "linli_outbox_oldest_unsent_age_seconds",
    "Age of the oldest unsent outbox row (0 when none): the event delivery lag to alert on",
)


_TABLE = OutboxMessage.__tablename__
# The relay's four statements, sent straight through asyncpg (prepared once per connection): the
# ORM's per-statement work was most of a quiet pass's CPU, in the event loop the service shares.
# The claim keeps its rows locked until the outcome is written, in the same transaction.
_CLAIM = (
    f"SELECT id, subject, payload::text FROM {_TABLE} WHERE sent_at IS NULL "
    "ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED"
)
_MARK_SENT = f"UPDATE {_TABLE} SET sent_at = now() WHERE id = ANY($1::uuid[])"
_MARK_FAILED = (
    f"UPDATE {_TABLE} SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::uuid[])"
)
_OLDEST_UNSENT_AGE = (
    f"SELECT extract(epoch FROM now() - min(created_at))::float8 FROM {_TABLE} "
    "WHERE sent_at IS NULL"
)
# The lag gauge's query runs at most this often, not after every pass as it did (one statement
# in five of a quiet pass).
LAG_EVERY_S = 1.0


def asyncpg_connect_args(url: str | URL) -> dict[str, Any]:
    """asyncpg.connect() keyword arguments for a SQLAlchemy URL, read the way SQLAlchemy reads it.

    Handles `postgresql+asyncpg://`, `?host=/socket/dir` and multi-host URLs, which a plain
    string replace of the driver name would get wrong.
    """
    dialect_class: Any = PGDialect_asyncpg  # untyped in SQLAlchemy
    _, kwargs = dialect_class().create_connect_args(make_url(url))
    # SQLAlchemy's own options, not asyncpg's.
    kwargs.pop("prepared_statement_cache_size", None)
    kwargs.pop("prepared_statement_name_func", None)
    kwargs.pop("async_fallback", None)
    return dict(kwargs)


class OutboxRelay:
    """Publishes unsent outbox rows, oldest first, and marks them sent once JetStream acks them.

    Woken by LISTEN on `linli_outbox` (NOTIFY rides in the event's transaction, so it arrives on
    commit), with polling as the fallback. Replicas share the work through FOR UPDATE SKIP LOCKED.
    A row is marked sent only after its PubAck; whatever fails stays unsent and is retried with
    backoff, and its `Nats-Msg-Id` lets JetStream drop the copy if the first try did land.
    The sessionmaker must be bound to an engine: the relay borrows that engine's pooled
    connections and talks to them through asyncpg directly.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        nats: JetStreamSource,
        *,
        database_url: str | URL | None = None,
        stream: str | None = None,
        poll_interval_s: float = 2.0,
        batch_size: int = 100,
        ack_timeout_s: float = 5.0,
        connect_wait_s: float = 2.0,
        max_backoff_s: float = 5.0,
        pipeline: int = 2,
        listen: bool = True,
    ) -> None:
        bind = sessionmaker.kw.get("bind")
        if not isinstance(bind, AsyncEngine):
            raise ValueError("the relay's sessionmaker must be bound to an engine")
        self._engine = bind
        self._nats = nats
        self._database_url = database_url
        # When set, JetStream refuses a publish that would land in another stream.
        self._stream = stream
        self.poll_interval_s = poll_interval_s
        self.batch_size = batch_size
        self.ack_timeout_s = ack_timeout_s
        self.connect_wait_s = connect_wait_s
        self.max_backoff_s = max_backoff_s
        self.pipeline = pipeline
        self._claim_lock = asyncio.Lock()
        self._lag_read_at = float("-inf")
        self._listen_enabled = listen
        self._wake = asyncio.Event()
        # While a pass runs: starts another batch beside it (see `_drain`).
        self._widen: Callable[[], None] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        # Set once a LISTEN connection is up; tests wait on it before relying on NOTIFY.
        self.listening = asyncio.Event()

    async def start(self) -> None:
        if self._tasks:
            return
        self._tasks.append(asyncio.create_task(self._run(), name="outbox-relay"))
        if self._listen_enabled:
            self._tasks.append(asyncio.create_task(self._listen(), name="outbox-listen"))

    async def stop(self) -> None:
        await cancel_and_wait(self._tasks)
        self._tasks.clear()
        self.listening.clear()

    @property
    def running(self) -> bool:
        """Whether the relay's tasks are alive (they only end through `stop()`)."""
        return bool(self._tasks) and not any(task.done() for task in self._tasks)

    def wake(self) -> None:
        """Run a pass now instead of at the next poll."""
        self._wake.set()
        if self._widen is not None:
            # A commit while a pass waits for its acks or writes their outcome: its rows are
            # claimed now, not once that pass ends. The claim lock still puts them on the wire
            # after the batch before them.
            self._widen()

    async def drain_once(self) -> int:
        """Publish everything pending now; returns how many JetStream acknowledged."""
        published, _ = await self._drain()
        return published

    async def _drain(self) -> tuple[int, int]:
        """Publish batch after batch until none is left or one fails: (published, failed)."""
        try:
            async with asyncio.timeout(self.connect_wait_s):
                js = await self._nats.jetstream()
        except TimeoutError:
            log.warning("nats not connected; outbox rows wait")
            return 0, 1
        failing = asyncio.Event()
        extra: list[asyncio.Task[tuple[int, int]]] = []

        def widen() -> None:
            # On a full claim (a backlog) or a wake-up during the pass: `pipeline` batches in
            # flight, one waiting for its acks and committing while the next is claimed and
            # written, so neither PostgreSQL nor NATS sits idle and a new commit does not wait
            # for the pass. Not on every pass: at a trickle a second batch would only claim
            # nothing, at the cost of a transaction, before the pass could end.
            while len(extra) < self.pipeline - 1:
                extra.append(asyncio.create_task(self._drain_batches(js, failing, widen)))

        self._widen = widen
        try:
            # The first batch in this task: no task to start and switch to on every wake-up.
            results = [await self._drain_batches(js, failing, widen)]
            self._widen = None
            results += await asyncio.gather(*extra)
        finally:
            self._widen = None
            await cancel_and_wait(task for task in extra if not task.done())
        return sum(r[0] for r in results), sum(r[1] for r in results)

    async def _drain_batches(
        self, js: JetStreamContext, failing: asyncio.Event, widen: Callable[[], None]
    ) -> tuple[int, int]:
        published = failed = 0
        while True:
            claimed, acked, not_acked = await self._publish_batch(js, failing, widen)
            published += acked
            failed += not_acked
            # A failure usually means NATS is away: stop and let the caller back off.
            if not_acked or claimed < self.batch_size:
                return published, failed

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection's asyncpg driver: the engine's pool checks it out and back in."""
        async with self._engine.connect() as pooled:
            raw = await pooled.get_raw_connection()
            driver: asyncpg.Connection = raw.driver_connection
            try:
                yield driver
            finally:
                # The transaction is asyncpg's, unknown to SQLAlchemy's reset on check-in: a
                # connection whose rollback did not happen (a second cancellation) must not go
                # back to the pool holding our row locks.
                if not driver.is_closed() and driver.is_in_transaction():
                    await pooled.invalidate()

    async def _publish_batch(
        self, js: JetStreamContext, failing: asyncio.Event, widen: Callable[[], None]
    ) -> tuple[int, int, int]:
        """Claim one batch, publish it concurrently, record the outcome: (claimed, acked, failed)."""
        async with self._connection() as connection, connection.transaction():
            # Claiming and writing under one lock puts batches on the wire in created_at order.
            async with self._claim_lock:
                if failing.is_set():
                    # Another batch of this pass failed: back off together rather than
                    # claim its rows again the moment it commits.
                    return 0, 0, 0
                # payload::text: publish PostgreSQL's JSON text as is, no decode/encode round.
                rows = await connection.fetch(_CLAIM, self.batch_size)
                if not rows or failing.is_set():
                    # Set after our SELECT: we may hold rows the failed batch just released.
                    return 0, 0, 0
                if len(rows) == self.batch_size:
                    widen()
                claimed: list[tuple[uuid.UUID, str, str]] = [(r[0], r[1], r[2]) for r in rows]
                sent = await self._send(js, claimed)
            outcomes = await self._outcomes(claimed, sent)
            if any(error is not None for _, error in outcomes):
                failing.set()  # while our rows are still locked
            acked = [event_id for event_id, error in outcomes if error is None]
            errors: dict[str, list[uuid.UUID]] = defaultdict(list)
            for event_id, error in outcomes:
                if error is not None:
                    errors[error].append(event_id)
            if acked:
                # One array parameter instead of an IN list of as many parameters as rows.
                await connection.execute(_MARK_SENT, acked)
            # Usually one distinct error per batch (NATS away), so one UPDATE.
            for error, ids in errors.items():
                await connection.execute(_MARK_FAILED, ids, error[:2000])
        PUBLISHED.inc(len(acked))
        failed = len(rows) - len(acked)
        if failed:
            FAILURES.inc(failed)
            log.warning("outbox publish failed", failed=failed, error=next(iter(errors)))
        return len(rows), len(acked), failed

    async def _send(
        self, js: JetStreamContext, rows: Sequence[tuple[uuid.UUID, str, str]]
    ) -> list[asyncio.Future[PubAck] | BaseException]:
        """Write every row's message without waiting for acks: a PubAck future (or error) each."""
        futures: list[asyncio.Future[PubAck] | BaseException] = []
        for event_id, subject, body in rows:
            try:
                futures.append(
                    await js.publish_async(
                        subject,
                        body.encode(),
                        headers={"Nats-Msg-Id": str(event_id)},
                        stream=self._stream,
                        # No wait_stall: with a timeout nats-py wraps every publish in a task,
                        # which costs more than the publish. Batches stay under its 4000 limit.
                    )
                )
            except Exception as exc:  # closed connection, full reconnect buffer, …
                futures.append(exc)
        return futures

    async def _outcomes(
        self,
        rows: Sequence[tuple[uuid.UUID, str, str]],
        futures: list[asyncio.Future[PubAck] | BaseException],
    ) -> list[tuple[uuid.UUID, str | None]]:
        """Wait for the acks, up to `ack_timeout_s`: (event id, error or None) per row."""
        pending = [f for f in futures if isinstance(f, asyncio.Future)]
        if pending:
            _, not_done = await asyncio.wait(pending, timeout=self.ack_timeout_s)
            for future in not_done:
                # Cancelling releases nats-py's pending-publish slot; a late ack is then ignored.
                future.cancel()
        outcomes: list[tuple[uuid.UUID, str | None]] = []
        for (event_id, _, _), sent in zip(rows, futures, strict=True):
            if isinstance(sent, BaseException):
                outcomes.append((event_id, _describe(sent)))
            elif sent.cancelled():
                outcomes.append((event_id, f"no JetStream ack within {self.ack_timeout_s}s"))
            elif (error := sent.exception()) is not None:
                outcomes.append((event_id, _describe(error)))
            else:
                if sent.result().duplicate:
                    DUPLICATES.inc()
                outcomes.append((event_id, None))
        return outcomes

    async def _run(self) -> None:
        backoff = Backoff(cap_s=self.max_backoff_s)
        while True:
            self._wake.clear()
            try:
                _, failed = await self._drain()
            except Exception as exc:  # the database is away, most likely; never end the loop
                FAILURES.inc()
                log.warning("outbox relay pass failed", error=_describe(exc))
                failed = 1
            else:
                # Also when publishes failed: a NATS outage is when the lag grows, and what the
                # gauge is there to alert on.
                await self._record_lag()
            if failed:
                await backoff.sleep()
                continue
            backoff.reset()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval_s):
                    await self._wake.wait()

    async def _record_lag(self) -> None:
        now = time.monotonic()
        if now - self._lag_read_at < LAG_EVERY_S:
            return
        self._lag_read_at = now
        try:
            async with self._connection() as connection:
                oldest = await connection.fetchval(_OLDEST_UNSENT_AGE)
            OLDEST_UNSENT.set(float(oldest or 0))
        except Exception as exc:  # a metric is not worth a failed pass
            log.debug("cannot read outbox lag", error=_describe(exc))

    def _listen_url(self) -> str | URL:
        if self._database_url is not None:
            return self._database_url
        return self._engine.url

    async def _listen(self) -> None:
        """Keep one LISTEN connection open, reopening it when it drops."""
        connect_args = asyncpg_connect_args(self._listen_url())
        server_settings = dict(connect_args.pop("server_settings", None) or {})
        server_settings.setdefault("application_name", "linli-outbox-listen")
        backoff = Backoff(cap_s=self.max_backoff_s)
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(**connect_args, server_settings=server_settings)
                backoff.reset()
                await self._listen_on(conn)
                log.warning("outbox LISTEN connection lost; reconnecting")
            except Exception as exc:
                log.warning("outbox LISTEN failed; polling meanwhile", error=_describe(exc))
            finally:
                self.listening.clear()
                if conn is not None:
                    conn.terminate()
            await backoff.sleep()

    async def _listen_on(self, conn: asyncpg.Connection) -> None:
        """Wake the relay on every NOTIFY until `conn` ends."""
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        await conn.add_listener(OUTBOX_CHANNEL, lambda *_: self.wake())
        self.listening.set()
        # Catch up with whatever was committed while nobody was listening.
        self._wake.set()
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(30):
                    await lost.wait()
            if not lost.is_set():
                # A half-open TCP connection never reports its end; a query does.
                async with asyncio.timeout(5):
                    await conn.execute("SELECT 1")


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
