"""Durable timers: rows in the service's own database, fired by a poller in every replica.

A domain schedules a timer in the transaction of the change that needs it (an incident reported
→ its SLA deadline), so the timer exists if and only if the change commits:

    await schedule(session, kind="incident.sla", key=f"{incident.id}:dispatch", due_at=deadline,
                   payload={"incident_id": str(incident.id)})

and registers what firing means (`TimerKind(kind, effect)`, given to `create_service_app`). The
poller claims due rows with `FOR UPDATE SKIP LOCKED`, calls `effect(session, timer)` in the same
transaction (the effect writes its change and its outbox events through `events_of(session)`),
marks the row fired and commits: the effect, its events and the mark commit together or not at
all, and two replicas never fire one timer twice. A process that dies mid-fire leaves the row
unfired, so a restart fires it: never an in-process sleep.

Scheduling the same `kind` + `key` again is the same timer, moved (its due time and payload
replaced, and armed again if it had fired); `cancel` removes it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from prometheus_client import Counter
from sqlalchemy import (
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from linli.common.db import NAMING_CONVENTION, utcnow_column
from linli.common.tasks import cancel_and_wait

__all__ = [
    "TIMERS_METADATA",
    "Timer",
    "TimerEffect",
    "TimerKind",
    "TimerPoller",
    "cancel",
    "pending",
    "schedule",
]

log = structlog.get_logger("linli.timers")

FIRED = Counter("linli_timers_fired_total", "Durable timers fired (effect committed)", ["kind"])
FAILED = Counter(
    "linli_timers_failed_total", "Durable timer effects that raised (retried later)", ["kind"]
)

# A failing effect is retried after 2^attempts seconds, never later than this.
MAX_RETRY_DELAY_S = 300


class TimersBase(DeclarativeBase):
    """The timers table, on metadata of its own: only a service that uses timers has it.

    Not on KernelBase, whose tables every service's first migration creates as they are today:
    a service adopting timers adds the table in a new migration (`create_timers_table`).
    """

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


TIMERS_METADATA = TimersBase.metadata
"""Give it to `run_alembic_env` and `truncate_tables` next to the service's own metadata."""


class Timer(TimersBase):
    """One durable timer: what fires (`kind`), for what (`key`), when, with what, and whether it did."""

    __tablename__ = "timers"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    fired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = utcnow_column()

    __table_args__ = (
        UniqueConstraint("kind", "key", name="uq_timers_kind_key"),
        # The poller only ever scans unfired rows, earliest first.
        Index("ix_timers_due", "due_at", postgresql_where=text("fired_at IS NULL")),
    )


TimerEffect = Callable[[AsyncSession, Timer], Awaitable[None]]
"""What firing a timer does, in the poller's transaction: `await effect(session, timer)`."""


@dataclass(frozen=True, slots=True)
class TimerKind:
    """A kind of timer a service fires, and its effect; given to `create_service_app(timers=…)`."""

    kind: str
    effect: TimerEffect


async def schedule(
    session: AsyncSession,
    *,
    kind: str,
    key: str,
    due_at: datetime,
    payload: Mapping[str, Any] | None = None,
) -> None:
    """Arm the timer `kind` + `key` to fire at `due_at`, in `session`'s transaction.

    Scheduling it again replaces its due time and payload and arms it again if it had fired:
    one row per kind and key, whoever schedules it how often.
    """
    if due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware")
    values = {"kind": kind, "key": key, "due_at": due_at, "payload": dict(payload or {})}
    statement = insert(Timer).values(id=uuid.uuid4(), **values)
    statement = statement.on_conflict_do_update(
        constraint="uq_timers_kind_key",
        set_={
            "due_at": statement.excluded.due_at,
            "payload": statement.excluded.payload,
            "fired_at": None,
            "attempts": 0,
            "last_error": None,
        },
    )
    await session.execute(statement)


async def cancel(session: AsyncSession, *, kind: str, key: str) -> bool:
    """Remove the timer `kind` + `key` (fired or not) in `session`'s transaction; False if none.

    A poller firing it right now holds its row lock: the delete waits for that fire to commit
    and then removes the fired row, so an effect must check its own state (the incident already
    resolved) rather than trust that a cancelled timer cannot fire.
    """
    result = await session.execute(delete(Timer).where(Timer.kind == kind, Timer.key == key))
    return bool(getattr(result, "rowcount", 0))


async def pending(session: AsyncSession, *, kind: str, key: str) -> Timer | None:
    """The unfired timer `kind` + `key`, if armed."""
    timer: Timer | None = await session.scalar(
        select(Timer).where(Timer.kind == kind, Timer.key == key, Timer.fired_at.is_(None))
    )
    return timer


class TimerPoller:
    """Fires due timers of the kinds it knows; one per replica, sharing rows by SKIP LOCKED.

    Each timer fires in a transaction of its own: one failing effect neither delays nor undoes
    another's. A failing effect is rolled back and retried later (2^attempts s, at most five
    minutes), its error kept on the row. Kinds it does not know are left for a replica that does.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        kinds: Iterable[TimerKind],
        *,
        poll_interval_s: float = 1.0,
        batch_size: int = 50,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._effects: dict[str, TimerEffect] = {k.kind: k.effect for k in kinds}
        self.poll_interval_s = poll_interval_s
        self.batch_size = batch_size
        self._task: asyncio.Task[None] | None = None

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._effects)

    async def start(self) -> None:
        if self._task is None and self._effects:
            self._task = asyncio.create_task(self._run(), name="timer-poller")

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                fired = await self.fire_due()
            except Exception:  # the database may be restarting: keep polling
                log.exception("timer pass failed")
                fired = 0
            if fired < self.batch_size:
                await asyncio.sleep(self.poll_interval_s)

    async def fire_due(self, *, now: datetime | None = None) -> int:
        """Fire up to `batch_size` timers due at `now` (the database's clock by default); returns
        how many fired. Tests pass `now` to stand hours ahead without waiting for them."""
        fired = 0
        for _ in range(self.batch_size):
            outcome = await self._fire_one(now)
            if outcome is None:
                break
            fired += outcome
        return fired

    async def _fire_one(self, now: datetime | None) -> int | None:
        """Claim and fire one due timer: 1 fired, 0 failed, None when nothing is due."""
        async with self._sessionmaker() as session:
            async with session.begin():
                timer = await session.scalar(
                    select(Timer)
                    .where(
                        Timer.fired_at.is_(None),
                        Timer.due_at <= (now if now is not None else func.now()),
                        Timer.kind.in_(self._effects),
                    )
                    .order_by(Timer.due_at)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
                if timer is None:
                    return None
                timer_id, kind, attempts, due_at = (
                    timer.id,
                    timer.kind,
                    timer.attempts,
                    timer.due_at,
                )
                try:
                    async with session.begin_nested():
                        await self._effects[kind](session, timer)
                except Exception as exc:  # any effect failure is retried, never lost
                    FAILED.labels(kind=kind).inc()
                    log.exception("timer effect failed", kind=kind, key=timer.key)
                    error = f"{type(exc).__name__}: {exc}"[:2000]
                    await self._postpone(session, timer_id, attempts, error)
                    return 0
                # Unless the effect armed its own timer again (a new due time): then it stays armed.
                await session.execute(
                    update(Timer)
                    .where(Timer.id == timer_id, Timer.due_at == due_at)
                    .values(fired_at=func.now())
                )
            FIRED.labels(kind=kind).inc()
            return 1

    async def _postpone(
        self, session: AsyncSession, timer_id: uuid.UUID, attempts: int, error: str
    ) -> None:
        delay = timedelta(seconds=min(2 ** (attempts + 1), MAX_RETRY_DELAY_S))
        await session.execute(
            update(Timer)
            .where(Timer.id == timer_id)
            .values(attempts=attempts + 1, last_error=error, due_at=func.now() + delay)
        )
