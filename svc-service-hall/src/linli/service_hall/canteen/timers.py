"""The durable timer of the canteen: a day closes itself the morning after, unless closed by hand."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.timers import Timer, TimerKind
from linli.service_hall.canteen import service


async def _close_day(session: AsyncSession, timer: Timer) -> None:
    await service.on_close_day_timer(
        session,
        uuid.UUID(timer.payload["site_id"]),
        date.fromisoformat(timer.payload["business_date"]),
        now=datetime.now(UTC),
    )


CLOSE_DAY_TIMER = TimerKind(service.CLOSE_DAY_TIMER, _close_day)
CANTEEN_TIMERS = (CLOSE_DAY_TIMER,)
