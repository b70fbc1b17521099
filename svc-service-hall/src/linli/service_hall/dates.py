"""Business dates the hall accepts in requests: 2000 to 2100, so that a date at the edge of
Python's range (9999-12-31) is a 422, never an overflow in the arithmetic on it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator

from linli.common.errors import InvalidValue

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


def _within(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidValue("a date between 2000-01-01 and 2100-12-31", "日期须在2000至2100年之间")
    return day


BusinessDate = Annotated[date, AfterValidator(_within)]
