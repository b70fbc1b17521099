"""The durable timer of applications: what a due date passing does."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.timers import Timer, TimerKind
from linli.service_hall.applications import service


async def on_overdue_timer(session: AsyncSession, timer: Timer) -> None:
    await service.on_overdue(
        session, uuid.UUID(timer.payload["application_id"]), str(timer.payload["due_on"])
    )


OVERDUE_TIMER = TimerKind(service.OVERDUE_TIMER, on_overdue_timer)
