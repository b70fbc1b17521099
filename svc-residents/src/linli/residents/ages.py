"""Ages, age bands and the tags derived from them, computed from the birth date on every read.

Nothing here is stored: a resident becomes `elderly` on their 60th birthday by the calendar of
Asia/Shanghai, without any job updating rows. Queries turn a band into a birth-date range, so an
index on the birth date serves them.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
ELDERLY_AGE = 60
ADULT_AGE = 18


class AgeBand(StrEnum):
    CHILD = "0-17"
    YOUNG = "18-34"
    MIDDLE = "35-59"
    SENIOR = "60-79"
    AGED = "80+"


class DerivedTag(StrEnum):
    """Tags computed from the birth date; never stored."""

    ELDERLY = "elderly"
    CHILD = "child"


# (lowest age, highest age or None) of each band.
BAND_AGES: dict[AgeBand, tuple[int, int | None]] = {
    AgeBand.CHILD: (0, 17),
    AgeBand.YOUNG: (18, 34),
    AgeBand.MIDDLE: (35, 59),
    AgeBand.SENIOR: (60, 79),
    AgeBand.AGED: (80, None),
}
TAG_AGES: dict[DerivedTag, tuple[int, int | None]] = {
    DerivedTag.ELDERLY: (ELDERLY_AGE, None),
    DerivedTag.CHILD: (0, ADULT_AGE - 1),
}


def today_in_shanghai(now: datetime | None = None) -> date:
    return (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI).date()


def age_on(birth_date: date, today: date) -> int:
    """Completed years; someone born on 29 February turns a year older on 1 March in other years."""
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - before_birthday


def band_of(age: int) -> AgeBand:
    for band, (low, high) in BAND_AGES.items():
        if age >= low and (high is None or age <= high):
            return band
    return AgeBand.CHILD  # a birth date in the future cannot be stored (ID numbers forbid it)


def derived_tags(birth_date: date, today: date) -> list[DerivedTag]:
    age = age_on(birth_date, today)
    return [
        tag for tag, (low, high) in TAG_AGES.items() if age >= low and (high is None or age <= high)
    ]


def latest_birth_for_age(age: int, today: date) -> date:
    """The latest birth date of someone at least `age` years old today."""
    try:
        return today.replace(year=today.year - age)
    except ValueError:  # today is 29 February and that year has none
        return date(today.year - age, 2, 28)


def birth_range(ages: tuple[int, int | None], today: date) -> tuple[date | None, date]:
    """(earliest, latest) birth dates, inclusive, of people whose age lies in `ages` today."""
    low, high = ages
    latest = latest_birth_for_age(low, today)
    if high is None:
        return None, latest
    # Born after the latest birth date of someone `high + 1` years old.
    earliest = date.fromordinal(latest_birth_for_age(high + 1, today).toordinal() + 1)
    return earliest, latest
