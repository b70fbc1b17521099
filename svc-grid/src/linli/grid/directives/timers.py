"""The durable timers of directives: the reminder before the deadline, and the deadline itself."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.timers import Timer, TimerKind
from linli.grid.directives import service


async def on_reminder(session: AsyncSession, timer: Timer) -> None:
    await service.on_reminder_due(session, uuid.UUID(timer.payload["directive_id"]))


async def on_deadline(session: AsyncSession, timer: Timer) -> None:
    await service.on_deadline(session, uuid.UUID(timer.payload["directive_id"]))


REMINDER_TIMER = TimerKind(service.REMINDER_TIMER, on_reminder)
DEADLINE_TIMER = TimerKind(service.DEADLINE_TIMER, on_deadline)
