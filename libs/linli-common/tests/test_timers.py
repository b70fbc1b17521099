"""Durable timers against real PostgreSQL: once per arming, across pollers, restarts and moves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.outbox import EventRecorder, OutboxMessage
from linli.common.timers import Timer, TimerKind, TimerPoller, cancel, pending, schedule

Sessions = async_sessionmaker[AsyncSession]

KIND = "test.ping"


def soon(seconds: float = 0) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def note_effect(session: AsyncSession, timer: Timer) -> None:
    """Leaves a row per fire: how many times each timer fired is then a count."""
    await session.execute(
        text("INSERT INTO test_effects (event_id, note) VALUES (:key, 'fired')"),
        {"key": timer.key},
    )


async def fires(sessions: Sessions) -> dict[str, int]:
    async with sessions() as session:
        rows = await session.execute(
            text("SELECT event_id, count(*) FROM test_effects GROUP BY event_id")
        )
        return {key: count for key, count in rows.all()}


async def arm(sessions: Sessions, key: str, due_at: datetime, **payload: Any) -> None:
    async with sessions() as session, session.begin():
        await schedule(session, kind=KIND, key=key, due_at=due_at, payload=payload)


def poller(sessions: Sessions, effect: Any = note_effect, **kwargs: Any) -> TimerPoller:
    return TimerPoller(sessions, [TimerKind(KIND, effect)], **kwargs)


async def test_a_timer_fires_once_when_due_and_not_before(db: Sessions) -> None:
    await arm(db, "a", soon(3600))
    await arm(db, "a", soon(3600))  # scheduling twice is one timer
    timers = poller(db)
    assert await timers.fire_due() == 0
    assert await timers.fire_due(now=soon(3601)) == 1
    assert await timers.fire_due(now=soon(7200)) == 0
    assert await fires(db) == {"a": 1}
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Timer)) == 1
        timer = await session.scalar(select(Timer))
        assert timer is not None and timer.fired_at is not None


async def test_two_pollers_at_once_fire_each_timer_exactly_once(db: Sessions) -> None:
    keys = [f"k{n}" for n in range(60)]
    for key in keys:
        await arm(db, key, soon(-1))

    async def slow_effect(session: AsyncSession, timer: Timer) -> None:
        await note_effect(session, timer)
        await asyncio.sleep(0.005)  # widen the window in which the other poller looks

    first, second = poller(db, slow_effect), poller(db, slow_effect)
    counts = await asyncio.gather(first.fire_due(), second.fire_due(), first.fire_due())
    assert sum(counts) == 60
    assert await fires(db) == dict.fromkeys(keys, 1)


async def test_a_poller_stopped_mid_fire_leaves_the_timer_for_the_next_one(db: Sessions) -> None:
    await arm(db, "crash", soon(-1))
    entered = asyncio.Event()

    async def hanging_effect(session: AsyncSession, timer: Timer) -> None:
        await note_effect(session, timer)
        entered.set()
        await asyncio.Event().wait()  # the replica dies before this fire commits

    dying = poller(db, hanging_effect, poll_interval_s=0.05)
    await dying.start()
    await asyncio.wait_for(entered.wait(), 10)
    await dying.stop()
    assert await fires(db) == {}  # its half-done fire was rolled back

    restarted = poller(db, poll_interval_s=0.05)
    await restarted.start()
    try:
        async with asyncio.timeout(10):
            # Polling: the fire happens in PostgreSQL, there is no local event to await.
            while await fires(db) != {"crash": 1}:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    finally:
        await restarted.stop()
    assert await poller(db).fire_due(now=soon(3600)) == 0


async def test_a_cancelled_timer_never_fires(db: Sessions) -> None:
    await arm(db, "gone", soon(60))
    await arm(db, "kept", soon(60))
    async with db() as session, session.begin():
        assert await cancel(session, kind=KIND, key="gone") is True
        assert await cancel(session, kind=KIND, key="never-armed") is False
    assert await poller(db).fire_due(now=soon(120)) == 1
    assert await fires(db) == {"kept": 1}


async def test_rescheduling_moves_the_timer_and_rearms_a_fired_one(db: Sessions) -> None:
    await arm(db, "r", soon(60), step=1)
    await arm(db, "r", soon(600), step=2)
    seen: list[Any] = []

    async def effect(session: AsyncSession, timer: Timer) -> None:
        seen.append(timer.payload["step"])

    timers = poller(db, effect)
    assert await timers.fire_due(now=soon(120)) == 0  # moved later: not due at the first time
    assert await timers.fire_due(now=soon(700)) == 1
    await arm(db, "r", soon(900), step=3)  # armed again after it fired
    async with db() as session:
        assert await pending(session, kind=KIND, key="r") is not None
    assert await timers.fire_due(now=soon(1000)) == 1
    assert seen == [2, 3]


async def test_a_failing_effect_is_retried_later_and_writes_nothing(
    db: Sessions, community: str, thing_event: type[Any]
) -> None:
    await arm(db, "bad", soon(-1))
    await arm(db, "good", soon(-1))
    failures = 0

    async def effect(session: AsyncSession, timer: Timer) -> None:
        nonlocal failures
        await EventRecorder(session, source="/kerneltest").record(
            thing_event(community_code=community, thing_id=timer.key), subject_id=timer.key
        )
        await note_effect(session, timer)
        if timer.key == "bad" and failures == 0:
            failures += 1
            raise RuntimeError("downstream not ready")

    timers = poller(db, effect)
    assert await timers.fire_due() == 1
    assert await fires(db) == {"good": 1}
    async with db() as session:
        bad = await session.scalar(select(Timer).where(Timer.key == "bad"))
        assert bad is not None and bad.fired_at is None
        assert bad.attempts == 1 and bad.last_error == "RuntimeError: downstream not ready"
        # The failed fire's event was rolled back with its change; the good one's is there.
        subjects = [row.payload["subject"] for row in await session.scalars(select(OutboxMessage))]
        assert subjects == ["good"]
    assert await timers.fire_due() == 0  # not retried at once
    assert await timers.fire_due(now=soon(10)) == 1
    assert await fires(db) == {"good": 1, "bad": 1}


async def test_an_effect_may_arm_its_own_timer_again(db: Sessions) -> None:
    await arm(db, "repeat", soon(-1), left=2)

    async def effect(session: AsyncSession, timer: Timer) -> None:
        await note_effect(session, timer)
        if timer.payload["left"] > 0:
            await schedule(
                session,
                kind=KIND,
                key=timer.key,
                due_at=timer.due_at + timedelta(minutes=5),
                payload={"left": timer.payload["left"] - 1},
            )

    timers = poller(db, effect)
    assert await timers.fire_due(now=soon(3600)) == 3
    assert await fires(db) == {"repeat": 3}


async def test_kinds_the_poller_does_not_know_are_left_alone(db: Sessions) -> None:
    async with db() as session, session.begin():
        await schedule(session, kind="other.kind", key="x", due_at=soon(-1))
    assert await poller(db).fire_due() == 0
    async with db() as session:
        assert await pending(session, kind="other.kind", key="x") is not None
