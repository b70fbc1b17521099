"""The durable timers of campaigns: a slot's reminder, and the end of a campaign's window."""

from __future__ import annotations

from linli.common.timers import TimerKind
from linli.grid.campaigns import service

REMINDER_TIMER = TimerKind(service.REMINDER_TIMER, service.on_reminder)
WINDOW_TIMER = TimerKind(service.WINDOW_TIMER, service.on_window_end)
