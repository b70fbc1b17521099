"""Business time of the cooperative: availability windows and statement months are in
Asia/Shanghai wall-clock time, whatever the server's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime

from linli.common.errors import InvalidValue

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return datetime.now(UTC)


def weekday_and_minute(at: datetime) -> tuple[int, int]:
    """The ISO weekday (1 Monday … 7 Sunday) and the minute of the day of `at` in Shanghai."""
    local = at.astimezone(SHANGHAI)
    return local.isoweekday(), local.hour * 60 + local.minute


def today() -> date:
    return now().astimezone(SHANGHAI).date()


def month_of(at: datetime) -> date:
    """The first day of the Shanghai month `at` falls in."""
    return at.astimezone(SHANGHAI).date().replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """`[start, end)` of a Shanghai calendar month, as aware datetimes."""
    start = datetime.combine(month.replace(day=1), time(), SHANGHAI)
    following = (
        date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)
    )
    return start, datetime.combine(following, time(), SHANGHAI)


def _plausible(value: datetime) -> datetime:
    if not 2000 <= value.year <= 2999:
        raise InvalidValue("a time between the years 2000 and 2999", "时间应在 2000 至 2999 年之间")
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]
"""A time with its UTC offset (`2026-12-07T10:00:00+08:00`), within years 2000–2999."""
