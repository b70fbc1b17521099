"""Ages and bands are computed from the birth date by Shanghai's calendar, birthdays included."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from linli.residents.ages import (
    BAND_AGES,
    AgeBand,
    DerivedTag,
    age_on,
    band_of,
    birth_range,
    derived_tags,
    today_in_shanghai,
)


def test_the_60th_birthday_makes_a_resident_elderly_that_very_day() -> None:
    born = date(1965, 6, 15)

    assert derived_tags(born, date(2025, 6, 14)) == []
    assert derived_tags(born, date(2025, 6, 15)) == [DerivedTag.ELDERLY]
    assert band_of(age_on(born, date(2025, 6, 14))) is AgeBand.MIDDLE
    assert band_of(age_on(born, date(2025, 6, 15))) is AgeBand.SENIOR


def test_the_18th_birthday_ends_childhood() -> None:
    born = date(2007, 3, 1)

    assert derived_tags(born, date(2025, 2, 28)) == [DerivedTag.CHILD]
    assert derived_tags(born, date(2025, 3, 1)) == []


def test_a_leap_day_birthday_counts_on_1_march_in_other_years() -> None:
    born = date(1964, 2, 29)

    assert age_on(born, date(2023, 2, 28)) == 58
    assert age_on(born, date(2023, 3, 1)) == 59
    assert age_on(born, date(2024, 2, 29)) == 60


def test_the_day_is_shanghai_s_not_utc_s() -> None:
    # 17:00 UTC on 14 June is 01:00 on 15 June in Shanghai.
    assert today_in_shanghai(datetime(2025, 6, 14, 17, 0, tzinfo=UTC)) == date(2025, 6, 15)


@pytest.mark.parametrize("today", [date(2025, 6, 15), date(2024, 2, 29), date(2023, 3, 1)])
@pytest.mark.parametrize("band", list(AgeBand))
def test_a_band_s_birth_range_holds_exactly_the_ages_of_the_band(
    band: AgeBand, today: date
) -> None:
    earliest, latest = birth_range(BAND_AGES[band], today)
    low, high = BAND_AGES[band]

    assert age_on(latest, today) == low
    assert age_on(date.fromordinal(latest.toordinal() + 1), today) == low - 1
    if earliest is not None:
        assert high is not None and age_on(earliest, today) == high
        assert age_on(date.fromordinal(earliest.toordinal() - 1), today) == high + 1
