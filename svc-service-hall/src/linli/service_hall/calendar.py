"""Working days (工作日) of China's official calendar, in Asia/Shanghai, for the hall's SLAs.

The calendar is the `holidays` library's China (python-holidays): statutory holidays plus the
State Council's yearly schedule of days off and make-up working days (调休, a Saturday or Sunday
worked), cited there to gov.cn for each year. It is released every month; `chinese-calendar`
(the usual choice) holds data for 2004–2026 only and raises for 2027, where an SLA filed in
December already runs. For a year whose schedule the library does not hold yet (published each
November for the next year), it knows the statutory holidays but no make-up days: such a due date
is marked `provisional`.

A promise of N working days counts from the working day after filing: filed on 30 September
2026 with 5 working days, the clock runs on 8, 9, 10 (a make-up Saturday), 12 and 13 October,
and the item is due at the end of 13 October.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from holidays import HolidayBase, country_holidays
from holidays.countries.china import ChinaStaticHolidays

SHANGHAI = ZoneInfo("Asia/Shanghai")


@functools.lru_cache(maxsize=64)
def _year(year: int) -> HolidayBase:
    return country_holidays("CN", years=year)


def official_through() -> int:
    """The last year whose official schedule (with its make-up working days) the library holds."""
    return max(ChinaStaticHolidays.special_public_holidays)


def is_working_day(day: date) -> bool:
    """A weekday that is no holiday, or a weekend day worked in its place (调休)."""
    return bool(_year(day.year).is_working_day(day))


def is_holiday(day: date) -> bool:
    """A statutory holiday or a day off in its place (调休): services by appointment do not run."""
    return day in _year(day.year)


def provisional(day: date) -> bool:
    """Whether `day` lies in a year whose make-up working days are not published yet."""
    return day.year > official_through()


def today(now: datetime | None = None) -> date:
    """The date in Shanghai now (or at `now`)."""
    return (now or datetime.now(UTC)).astimezone(SHANGHAI).date()


def local_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (`start` itself when `count` is 0)."""
    day = start
    left = count
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(after: date, until: date) -> int:
    """How many working days lie in (after, until]: 0 when `until` is not later."""
    count = 0
    day = after
    while day < until:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def end_of(day: date) -> datetime:
    """The first instant after `day` ends in Shanghai, in UTC: when a due date has passed."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=SHANGHAI).astimezone(UTC)
