"""Reminders and overdue notices through the durable timers: each laggard once, nobody else."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.timers import Timer, TimerPoller
from linli.grid.app import create_app
from linli.grid.config import Settings
from linli.grid.directives.service import DEADLINE_TIMER, REMINDER_TIMER
from linli.grid.directives.timers import DEADLINE_TIMER as DEADLINE_KIND
from linli.grid.directives.timers import REMINDER_TIMER as REMINDER_KIND
from linli.grid.models import Directive
from linli.testing import serve_app
from linli.testing.tokens import TestIssuer

District = Any
Sessions = async_sessionmaker[AsyncSession]


async def _timer(sessionmaker: Sessions, kind: str, directive_id: str) -> Timer:
    async with sessionmaker() as session:
        timer = await session.scalar(
            select(Timer).where(Timer.kind == kind, Timer.key == directive_id)
        )
    assert timer is not None
    return timer


async def _due_now(sessionmaker: Sessions, kind: str, directive_id: str) -> None:
    """Stand at the timer's time: its due time moved to now (the deadline too, for overdue)."""
    at = datetime.now(UTC) - timedelta(seconds=1)
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Timer)
            .where(Timer.kind == kind, Timer.key == directive_id)
            .values(due_at=at, fired_at=None)
        )
        if kind == DEADLINE_TIMER:
            await session.execute(
                update(Directive).where(Directive.id == uuid.UUID(directive_id)).values(deadline=at)
            )


async def test_laggards_are_reminded_and_reported_overdue_once(
    district: District, sessionmaker: Sessions
) -> None:
    async with sessionmaker.begin() as session:
        # Timers of earlier tests' directives would fire too when this one stands at its time.
        await session.execute(delete(Timer))
    a1, a2, b1, b2 = district.communities
    deadline = datetime.now(UTC) + timedelta(hours=10)
    made = await district.issued(deadline=deadline.isoformat(), remind_before_hours=4)
    directive_id = made["id"]
    # Reminded 4 hours before the deadline; the deadline timer at the deadline.
    assert abs(
        (await _timer(sessionmaker, REMINDER_TIMER, directive_id)).due_at
        - (deadline - timedelta(hours=4))
    ) < timedelta(seconds=1)
    assert abs(
        (await _timer(sessionmaker, DEADLINE_TIMER, directive_id)).due_at - deadline
    ) < timedelta(seconds=1)
    poller = TimerPoller(sessionmaker, [REMINDER_KIND, DEADLINE_KIND])
    # Nothing is due yet.
    assert await poller.fire_due() == 0

    assert (await district.acknowledge(directive_id, a1)).status_code == 200
    assert (await district.complete(directive_id, a1)).status_code == 200
    assert (await district.acknowledge(directive_id, a2)).status_code == 200

    await _due_now(sessionmaker, REMINDER_TIMER, directive_id)
    assert await poller.fire_due() == 1
    # One transaction's events share their time: by community.
    reminders = sorted(
        await district.events(directive_id, "directive.reminder_due"),
        key=lambda e: e["community_code"],
    )
    assert [(e["community_code"], e["acknowledged"], e["subject"]) for e in reminders] == [
        (a2, True, district.subject(a2, "reminder_due")),
        (b1, False, district.subject(b1, "reminder_due")),
        (b2, False, district.subject(b2, "reminder_due")),
    ]
    # Before the deadline nobody is overdue.
    assert (await district.status(directive_id))["overdue"] == []

    assert (await district.acknowledge(directive_id, b1)).status_code == 200
    assert (await district.complete(directive_id, b1)).status_code == 200
    await _due_now(sessionmaker, DEADLINE_TIMER, directive_id)
    status = await district.status(directive_id)
    # Exact by the clock even before a replica has fired the timer.
    assert status["overdue"] == [a2, b2]
    assert status["total"]["overdue"] == 2
    assert [(s["street_code"], s["overdue"]) for s in status["streets"]] == [
        (district.streets[0], 1),
        (district.streets[1], 1),
    ]
    assert await poller.fire_due() == 1
    overdue = sorted(
        await district.events(directive_id, "directive.overdue"),
        key=lambda e: e["community_code"],
    )
    assert [(e["community_code"], e["acknowledged"], e["subject"]) for e in overdue] == [
        (a2, True, district.subject(a2, "overdue")),
        (b2, False, district.subject(b2, "overdue")),
    ]
    # Firing again (another replica, a restart) repeats nothing.
    for kind in (REMINDER_TIMER, DEADLINE_TIMER):
        await _due_now(sessionmaker, kind, directive_id)
    assert await poller.fire_due() == 2
    assert len(await district.events(directive_id, "directive.overdue")) == 2
    assert len(await district.events(directive_id, "directive.reminder_due")) == 3

    # A late report is accepted and marked late, in the status and in its event.
    late = await district.complete(directive_id, a2)
    assert (late.status_code, late.json()["late"], late.json()["overdue"]) == (200, True, False)
    completed = await district.events(directive_id, "directive.completed")
    assert [(e["community_code"], e["late"]) for e in completed] == [
        (a1, False),
        (b1, False),
        (a2, True),
    ]
    assert (await district.status(directive_id))["overdue"] == [b2]


async def test_the_app_fires_directive_timers(
    district: District, settings: Settings, issuer: TestIssuer, sessionmaker: Sessions
) -> None:
    """The running service's own poller fires them: the kinds are registered in the app."""
    made = await district.issued()
    directive_id = made["id"]
    await _due_now(sessionmaker, DEADLINE_TIMER, directive_id)
    live = settings.model_copy(update={"run_timers": True, "timer_poll_interval_s": 0.05})
    async with serve_app(create_app(live, token_verifier=issuer.verifier())):
        for _ in range(100):
            if len(await district.events(directive_id, "directive.overdue")) == 4:
                break
            await asyncio.sleep(0.05)
    assert len(await district.events(directive_id, "directive.overdue")) == 4


async def test_an_extended_deadline_unmarks_overdue_and_reschedules_both_timers(
    district: District, sessionmaker: Sessions
) -> None:
    async with sessionmaker.begin() as session:
        await session.execute(delete(Timer))
    a1, a2, b1, b2 = district.communities
    made = await district.issued(
        deadline=(datetime.now(UTC) + timedelta(hours=10)).isoformat(), remind_before_hours=4
    )
    directive_id = made["id"]
    poller = TimerPoller(sessionmaker, [REMINDER_KIND, DEADLINE_KIND])
    assert (await district.acknowledge(directive_id, a1)).status_code == 200
    assert (await district.complete(directive_id, a1)).status_code == 200
    await _due_now(sessionmaker, REMINDER_TIMER, directive_id)
    await _due_now(sessionmaker, DEADLINE_TIMER, directive_id)
    assert await poller.fire_due() == 2
    assert len(await district.events(directive_id, "directive.reminder_due")) == 3
    assert len(await district.events(directive_id, "directive.overdue")) == 3
    # A2 reports after the deadline: late, and stays so whatever the deadline becomes.
    assert (await district.acknowledge(directive_id, a2)).status_code == 200
    assert (await district.complete(directive_id, a2)).status_code == 200
    status = await district.status(directive_id)
    assert status["overdue"] == [b1, b2]

    # The district gives two more days.
    deadline = datetime.now(UTC) + timedelta(days=2)
    remind_at = deadline - timedelta(hours=6)
    read = await district.client.get(f"/directives/{directive_id}", headers=district.admin)
    amended = await district.client.patch(
        f"/directives/{directive_id}",
        json={
            "revision": read.json()["revision"],
            "deadline": deadline.isoformat(),
            "remind_at": remind_at.isoformat(),
        },
        headers=district.admin,
    )
    assert amended.status_code == 200, amended.text
    status = await district.status(directive_id)
    assert status["overdue"] == []
    assert status["total"]["overdue"] == 0
    units = {u["community_code"]: u for u in status["units"]}
    assert [(units[c]["state"], units[c]["late"], units[c]["overdue"]) for c in (a1, a2, b1)] == [
        ("completed", False, False),
        ("completed", True, False),
        ("not_acknowledged", False, False),
    ]
    # Both timers armed again at the new times; nothing is due now.
    deadline_timer = await _timer(sessionmaker, DEADLINE_TIMER, directive_id)
    reminder_timer = await _timer(sessionmaker, REMINDER_TIMER, directive_id)
    assert deadline_timer.fired_at is None and reminder_timer.fired_at is None
    assert abs(deadline_timer.due_at - deadline) < timedelta(milliseconds=1)
    assert abs(reminder_timer.due_at - remind_at) < timedelta(milliseconds=1)
    assert await poller.fire_due() == 0

    # At the new times the two still at it are reminded and reported overdue again; the
    # completed ones are not.
    await _due_now(sessionmaker, REMINDER_TIMER, directive_id)
    assert await poller.fire_due() == 1
    reminders = await district.events(directive_id, "directive.reminder_due")
    assert sorted(e["community_code"] for e in reminders[3:]) == [b1, b2]
    await _due_now(sessionmaker, DEADLINE_TIMER, directive_id)
    assert await poller.fire_due() == 1
    overdue = await district.events(directive_id, "directive.overdue")
    assert sorted(e["community_code"] for e in overdue[3:]) == [b1, b2]
    assert (await district.status(directive_id))["overdue"] == [b1, b2]
