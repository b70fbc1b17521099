"""Working days of China's official calendar: holidays, make-up working days (调休), Shanghai time."""

from __future__ import annotations

from datetime import UTC, date, datetime

from linli.service_hall import calendar


def test_five_working_days_filed_the_working_day_before_national_day() -> None:
    # 2026: 1–7 October off; Sunday 20 September and Saturday 10 October are worked (国办发明电).
    filed = date(2026, 9, 30)
    assert calendar.is_working_day(filed)
    assert calendar.add_working_days(filed, 5) == date(2026, 10, 13)
    assert [calendar.add_working_days(filed, n) for n in range(1, 6)] == [
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),  # a Saturday worked in exchange
        date(2026, 10, 12),
        date(2026, 10, 13),
    ]


def test_make_up_days_are_working_days_and_holiday_weekdays_are_not() -> None:
    assert calendar.is_working_day(date(2026, 9, 20))  # Sunday, worked
    assert calendar.is_working_day(date(2026, 2, 14))  # Saturday before the Spring Festival
    assert not calendar.is_working_day(date(2026, 10, 7))  # Wednesday, National Day holiday
    assert not calendar.is_working_day(date(2026, 2, 17))  # Spring Festival
    assert not calendar.is_working_day(date(2026, 9, 26))  # an ordinary Saturday


def test_working_days_between_counts_after_the_first_day_up_to_the_last() -> None:
    assert calendar.working_days_between(date(2026, 9, 30), date(2026, 10, 13)) == 5
    assert calendar.working_days_between(date(2026, 10, 13), date(2026, 10, 13)) == 0
    assert calendar.working_days_between(date(2026, 10, 13), date(2026, 10, 1)) == 0


def test_dates_are_shanghai_dates() -> None:
    # 17:30 UTC on 30 September is 01:30 on 1 October in Shanghai.
    assert calendar.today(datetime(2026, 9, 30, 17, 30, tzinfo=UTC)) == date(2026, 10, 1)
    assert calendar.end_of(date(2026, 10, 13)) == datetime(2026, 10, 13, 16, 0, tzinfo=UTC)


def test_years_without_a_published_schedule_are_provisional() -> None:
    assert calendar.official_through() >= 2026
    assert not calendar.provisional(date(2026, 12, 31))
    later = date(calendar.official_through() + 1, 10, 1)
    assert calendar.provisional(later)
    assert not calendar.is_working_day(later)  # National Day is statutory, known anyway
