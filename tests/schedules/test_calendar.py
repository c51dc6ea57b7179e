"""Real-date tests for the Chinese working-day calendar."""

from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.dates import SHANGHAI, shanghai_date
from schedules.calendar import WorkingCalendar

CAL = WorkingCalendar()


def _span(first: date, last: date) -> list[date]:
    return [first + timedelta(i) for i in range((last - first).days + 1)]


def test_national_day_2023_off_and_adjusted_weekend_working() -> None:
    assert not any(CAL.is_working_day(d) for d in _span(date(2023, 9, 29), date(2023, 10, 6)))
    assert date(2023, 10, 7).weekday() == 5 and CAL.is_working_day(date(2023, 10, 7))
    assert date(2023, 10, 8).weekday() == 6 and CAL.is_working_day(date(2023, 10, 8))
    assert CAL.is_working_day(date(2023, 9, 28))


def test_spring_festival_2023() -> None:
    assert not any(CAL.is_working_day(d) for d in _span(date(2023, 1, 21), date(2023, 1, 27)))
    assert CAL.is_working_day(date(2023, 1, 28)) and CAL.is_working_day(date(2023, 1, 29))


def test_deadline_in_holiday_rolls_forward() -> None:
    assert CAL.add_working_days(date(2023, 10, 1), 0) == date(2023, 10, 7)
    assert CAL.add_working_days(date(2023, 9, 28), 1) == date(2023, 10, 7)
    assert CAL.add_working_days(date(2023, 9, 28), 0) == date(2023, 9, 28)
    assert CAL.add_working_days(date(2023, 9, 28), 3) == date(2023, 10, 9)


def test_working_days_between_across_national_day() -> None:
    assert CAL.working_days_between(date(2023, 9, 28), date(2023, 10, 9)) == 3
    assert CAL.working_days_between(date(2023, 10, 9), date(2023, 9, 28)) == -3
    assert CAL.working_days_between(date(2023, 10, 1), date(2023, 10, 1)) == 0
    assert CAL.working_days_between(date(2023, 10, 6), date(2023, 10, 7)) == 1


def test_working_days_between_full_years_matches_library() -> None:
    expected = len(chinese_calendar.get_workdays(date(2023, 1, 1), date(2024, 12, 31)))
    assert CAL.working_days_between(date(2022, 12, 31), date(2024, 12, 31)) == expected


def test_add_working_days_negative_across_holiday() -> None:
    assert CAL.add_working_days(date(2023, 10, 7), -1) == date(2023, 9, 28)
    assert CAL.add_working_days(date(2023, 10, 9), -3) == date(2023, 9, 28)
    assert CAL.add_working_days(date(2023, 10, 3), -1) == date(2023, 9, 28)
    assert CAL.add_working_days(date(2023, 1, 30), -3) == date(2023, 1, 20)  # 29, 28, then 20
    assert CAL.add_working_days(date(2023, 1, 30), -4) == date(2023, 1, 19)


def test_uncovered_year_falls_back_to_weekends_and_is_provisional() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2031, 1, 2))
    assert CAL.is_official(2023) and not CAL.is_official(2031)
    assert CAL.is_provisional(date(2031, 10, 1)) and not CAL.is_provisional(date(2023, 10, 1))
    assert date(2031, 10, 1).weekday() == 2 and CAL.is_working_day(date(2031, 10, 1))
    assert not CAL.is_working_day(date(2031, 10, 4))  # plain Saturday
    assert CAL.working_days_between(date(2031, 1, 5), date(2031, 1, 12)) == 5


def test_checked_reports_provisional_walks() -> None:
    assert CAL.add_working_days_checked(date(2023, 9, 28), 1) == (date(2023, 10, 7), False)
    result, provisional = CAL.add_working_days_checked(date(2026, 12, 1), 40)
    assert result.year == 2027 and provisional
    assert CAL.plan_is_provisional(date(2026, 1, 1), date(2028, 1, 1))
    assert not CAL.plan_is_provisional(date(2019, 1, 1), date(2025, 12, 31))


def test_official_override_year() -> None:
    holiday, saturday = date(2031, 10, 1), date(2031, 10, 4)
    cal = WorkingCalendar({holiday: False, saturday: True}, frozenset({2031}))
    assert cal.is_official(2031) and not cal.is_provisional(holiday)
    assert not cal.is_working_day(holiday) and cal.is_working_day(saturday)
    assert cal.add_working_days(date(2031, 9, 30), 1) == date(2031, 10, 2)
    assert cal.working_days_between(date(2031, 9, 29), date(2031, 10, 5)) == 4  # 30, 2, 3, 4
    assert cal.add_working_days_checked(date(2031, 9, 30), 1) == (date(2031, 10, 2), False)
    assert cal.is_working_day(date(2023, 10, 7))  # library still applies elsewhere


def test_override_beats_library() -> None:
    cal = WorkingCalendar({date(2023, 10, 7): False, date(2023, 10, 2): True})
    assert not cal.is_working_day(date(2023, 10, 7)) and cal.is_working_day(date(2023, 10, 2))
    assert CAL.is_working_day(date(2023, 10, 7))  # other instances untouched


def test_shanghai_date() -> None:
    assert shanghai_date(datetime(2023, 9, 30, 17, 0, tzinfo=UTC)) == date(2023, 10, 1)
    assert shanghai_date(datetime(2023, 9, 30, 15, 59, tzinfo=UTC)) == date(2023, 9, 30)
    assert shanghai_date(datetime(2023, 10, 1, 0, 30, tzinfo=SHANGHAI)) == date(2023, 10, 1)
    with pytest.raises(ValueError):
        shanghai_date(datetime(2023, 10, 1, 12, 0))


@settings(max_examples=300, deadline=None)
@given(st.dates(date(2019, 1, 1), date(2025, 12, 31)), st.integers(-40, 40))
def test_add_and_count_are_inverse(d: date, n: int) -> None:
    result = CAL.add_working_days(d, n)
    assert CAL.is_working_day(result)
    counted = CAL.working_days_between(d, result)
    if n > 0:
        assert counted == n and result > d
    elif n < 0:
        # (result, d] holds |n| - 1 working days strictly between, plus d itself if working.
        assert counted == n + (0 if CAL.is_working_day(d) else 1) and result < d
        if CAL.is_working_day(d):
            assert CAL.add_working_days(result, -n) == d
    else:
        assert counted == (0 if CAL.is_working_day(d) else 1)
        brute = next(x for x in _span(d, d + timedelta(60)) if chinese_calendar.is_workday(x))
        assert result == brute
