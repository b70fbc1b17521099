"""The process's one NATS connection, which outlives outages, and the one JetStream stream."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import nats
import structlog
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from linli.common.events import STREAM_SUBJECTS
from linli.common.tasks import cancel_and_wait

DEFAULT_STREAM = "LINLI"
# JetStream drops a second message with the same Nats-Msg-Id inside this window; the outbox
# retries well inside it, and consumers' processed_events catch what comes after.
DUPLICATE_WINDOW_S = 120.0
# Retention of the one stream: what a district system joining late can replay. Whichever limit is
# reached first drops the oldest events (discard old); a replay from before the oldest retained
# event is told so (see examples/district-tally). Same for every service: LINLI_NATS_STREAM_*.
DEFAULT_MAX_AGE_S = 90 * 24 * 3600.0
DEFAULT_MAX_BYTES = 20 * 1024**3
# JetStream's "stream name already in use with a different configuration".
_STREAM_NAME_IN_USE = 10058
# "subjects overlap with an existing stream".
_SUBJECTS_OVERLAP = 10065

log = structlog.get_logger("linli.nats")

__all__ = [
    "DEFAULT_MAX_AGE_S",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_STREAM",
    "DUPLICATE_WINDOW_S",
    "Backoff",
    "JetStreamSource",
    "NatsConnection",
    "connect",
    "ensure_stream",
]


class JetStreamSource(Protocol):
    """Where the relay and consumers get JetStream from; `NatsConnection` is the real one."""

    @property
    def stream(self) -> str: ...

    async def jetstream(self) -> JetStreamContext: ...


class Backoff:
    """Exponential backoff with full jitter, capped; `reset()` after a success."""

    def __init__(self, *, initial_s: float = 0.1, cap_s: float = 5.0) -> None:
        self._initial = initial_s
        self._cap = cap_s
        self._failures = 0

    def next_delay(self) -> float:
        ceiling = min(self._cap, self._initial * 2**self._failures)
        self._failures = min(self._failures + 1, 32)
        # Full jitter keeps replicas that failed together from retrying together.
        return random.uniform(ceiling / 2, ceiling)

    async def sleep(self) -> None:
        await asyncio.sleep(self.next_delay())

    def reset(self) -> None:
        self._failures = 0


async def connect(
    servers: str | Sequence[str],
    *,
    name: str | None = None,
    connect_timeout_s: float = 2.0,
    reconnect_wait_s: float = 1.0,
    on_reconnected: Callable[[], Awaitable[None]] | None = None,
    credentials: str | None = None,
) -> NatsClient:
    """Connect and reconnect forever. While no server is reachable this call keeps waiting,
    including for the first connection: wrap it in a task or a timeout.

    `credentials`: the path of a `.creds` file (user JWT and nkey seed) when the server runs with
    decentralised auth, as `linli dev up` and deploy/nats do; None for a server without auth.
    """

    async def on_error(exc: Exception) -> None:
        log.warning("nats error", error=repr(exc))

    async def on_disconnected() -> None:
        log.warning("nats disconnected")

    async def reconnected() -> None:
        log.info("nats reconnected")
        if on_reconnected is not None:
            await on_reconnected()

    return await nats.connect(
        servers=[servers] if isinstance(servers, str) else list(servers),
        name=name,
        connect_timeout=connect_timeout_s,
        reconnect_time_wait=reconnect_wait_s,
        max_reconnect_attempts=-1,
        allow_reconnect=True,
        error_cb=on_error,
        disconnected_cb=on_disconnected,
        reconnected_cb=reconnected,
        user_credentials=credentials or None,
    )


async def ensure_stream(
    js: JetStreamContext,
    name: str = DEFAULT_STREAM,
    *,
    max_age_s: float = DEFAULT_MAX_AGE_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> None:
    """Create the stream over `linli.>`, or bring its subjects, duplicate window and retention
    (max age, max bytes) back in line.

    Safe when several services start at once: creating an identical stream is a no-op for
    JetStream, and a creation lost to a racing service falls through to the update.
    """
    config = StreamConfig(
        name=name,
        subjects=[STREAM_SUBJECTS],
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_S,
        max_age=max_age_s,
        max_bytes=max_bytes,
        discard=DiscardPolicy.OLD,
    )
    try:
        await js.add_stream(config)
        return
    except BadRequestError as exc:
        # A racing service's creation shows up as either error, depending on timing.
        if exc.err_code not in (_STREAM_NAME_IN_USE, _SUBJECTS_OVERLAP):
            raise
        try:
            current = (await js.stream_info(name)).config
        except NotFoundError:
            if exc.err_code == _SUBJECTS_OVERLAP:
                raise exc from None  # another stream, not ours, holds linli.>
            await js.add_stream(config)  # deleted between our two calls
            return
    wanted = {
        "subjects": config.subjects,
        "duplicate_window": config.duplicate_window,
        "max_age": config.max_age,
        "max_bytes": config.max_bytes,
    }
    if any(getattr(current, key) != value for key, value in wanted.items()):
        # Storage cannot change on a live stream; keep whatever it was created with.
        log.info("updating stream", stream=name)
        await js.update_stream(current.evolve(**wanted))


class NatsConnection:
    """The NATS connection of one process, shared by its relay and consumers.

    `start()` returns at once: a service must serve requests while NATS is down (the outbox keeps
    its events), so connecting and creating the stream happen in a background task.
    """

    def __init__(
        self,
        servers: str | Sequence[str],
        *,
        stream: str = DEFAULT_STREAM,
        name: str | None = None,
        connect_timeout_s: float = 2.0,
        credentials: str | None = None,
        max_age_s: float = DEFAULT_MAX_AGE_S,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.servers = servers
        self.stream = stream
        self.name = name
        self.connect_timeout_s = connect_timeout_s
        self.credentials = credentials
        self.max_age_s = max_age_s
        self.max_bytes = max_bytes
        self._nc: NatsClient | None = None
        self._js: JetStreamContext | None = None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._restore: asyncio.Task[None] | None = None

    @property
    def is_connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._connect(), name=f"nats-connect:{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)
            self._task = None
        if self._restore is not None:
            self._restore.cancel()
            self._restore = None
        if self._nc is not None and not self._nc.is_closed:
            # Close, not drain: drain waits on subscriptions the consumers already gave up.
            with contextlib.suppress(Exception):
                await self._nc.close()
        self._nc = None
        self._js = None
        self._ready.clear()

    async def jetstream(self) -> JetStreamContext:
        """The JetStream context, once connected and the stream exists (bound it with a timeout)."""
        if self._task is None:
            await self.start()
        await self._ready.wait()
        assert self._js is not None
        return self._js

    async def client(self) -> NatsClient:
        await self.jetstream()
        assert self._nc is not None
        return self._nc

    async def _connect(self) -> None:
        nc = await connect(
            self.servers,
            name=self.name,
            connect_timeout_s=self.connect_timeout_s,
            on_reconnected=self._on_reconnected,
            credentials=self.credentials,
        )
        # One context for the connection's life: publish_async keeps its reply inbox in it.
        js = nc.jetstream()
        backoff = Backoff()
        while True:
            try:
                await self._ensure_stream(js)
                break
            except Exception as exc:  # JetStream may still be starting, or briefly unreachable
                log.warning("cannot ensure stream yet", stream=self.stream, error=repr(exc))
                await backoff.sleep()
        self._nc, self._js = nc, js
        self._ready.set()
        log.info("nats ready", servers=self.servers, stream=self.stream)

    async def _ensure_stream(self, js: JetStreamContext) -> None:
        await ensure_stream(js, self.stream, max_age_s=self.max_age_s, max_bytes=self.max_bytes)

    async def _on_reconnected(self) -> None:
        # The server we reconnected to may be a fresh one without the stream. Done in a task:
        # nats-py awaits this callback inside its reconnect loop and would count our failure
        # as a failed reconnect.
        if self._js is not None and (self._restore is None or self._restore.done()):
            self._restore = asyncio.create_task(self._ensure_stream_quietly(self._js))

    async def _ensure_stream_quietly(self, js: JetStreamContext) -> None:
        try:
            await self._ensure_stream(js)
        except Exception as exc:
            log.warning("cannot ensure stream after reconnect", error=repr(exc))
