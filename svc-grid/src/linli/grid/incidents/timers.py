"""The durable timers of incidents: what an SLA deadline running out does."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.timers import Timer, TimerKind
from linli.grid.incidents import service


async def on_sla_timer(session: AsyncSession, timer: Timer) -> None:
    await service.on_sla_due(
        session,
        uuid.UUID(timer.payload["incident_id"]),
        str(timer.payload["level"]),
        deadline=str(timer.payload.get("deadline", "resolved")),
    )


SLA_TIMER = TimerKind(service.SLA_TIMER, on_sla_timer)
