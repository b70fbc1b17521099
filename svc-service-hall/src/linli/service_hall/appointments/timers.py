"""The durable timers of appointments: the daily horizon, the reminder and the no-show."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.timers import Timer, TimerKind
from linli.service_hall.appointments import service


async def _horizon(session: AsyncSession, timer: Timer) -> None:
    await service.on_horizon(
        session, uuid.UUID(timer.payload["calendar_id"]), now=max(timer.due_at, datetime.now(UTC))
    )


async def _reminder(session: AsyncSession, timer: Timer) -> None:
    await service.on_reminder(session, uuid.UUID(timer.payload["appointment_id"]))


async def _no_show(session: AsyncSession, timer: Timer) -> None:
    await service.on_no_show(session, uuid.UUID(timer.payload["appointment_id"]))


HORIZON_TIMER = TimerKind(service.HORIZON_TIMER, _horizon)
REMINDER_TIMER = TimerKind(service.REMINDER_TIMER, _reminder)
NO_SHOW_TIMER = TimerKind(service.NO_SHOW_TIMER, _no_show)
APPOINTMENT_TIMERS = (HORIZON_TIMER, REMINDER_TIMER, NO_SHOW_TIMER)
