"""Chinese working-day calendar (Asia/Shanghai) for deadline arithmetic on pilot-project nodes."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType

import chinese_calendar

# chinese_calendar validates against exactly this inclusive span, so it defines "covered".
_CC_FIRST_YEAR: int = min(chinese_calendar.holidays).year
_CC_LAST_YEAR: int = max(chinese_calendar.holidays).year


def builtin_day(day: date) -> str | None:
    """The bundled notices' name for a day they list (a holiday, or a worked weekend), so a query can say why."""
    if not _CC_FIRST_YEAR <= day.year <= _CC_LAST_YEAR:
        return None
    if day in chinese_calendar.workdays:  # the tables hold each holiday's English name
        return f"{chinese_calendar.Holiday(chinese_calendar.workdays[day]).chinese}调休上班"
    if day in chinese_calendar.holidays:
        return str(chinese_calendar.Holiday(chinese_calendar.holidays[day]).chinese)
    return None


@dataclass(frozen=True)
class _YearTable:
    """Per-year working-day index so counting and stepping cost O(log n) instead of a day walk."""

    workdays: tuple[int, ...]  # sorted ordinals of the year's working days
    prefix: tuple[int, ...]  # prefix[i] = working days among the first i days of the year


@dataclass(frozen=True)
class WorkingCalendar:
    """Immutable working-day calendar: overrides > chinese_calendar > Mon-Fri fallback."""

    overrides: Mapping[date, bool] = field(default_factory=dict, hash=False)
    official_years: frozenset[int] = frozenset()
    _tables: dict[int, _YearTable] = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        """Freeze the overrides so later mutation by the caller cannot skew cached tables."""
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))
        object.__setattr__(self, "official_years", frozenset(self.official_years))

    def is_official(self, year: int) -> bool:
        """Tell whether the year's schedule is published, so dates in it are final."""
        return _CC_FIRST_YEAR <= year <= _CC_LAST_YEAR or year in self.official_years

    def is_provisional(self, day: date) -> bool:
        """Flag dates whose year has no official schedule and may still move."""
        return not self.is_official(day.year)

    def plan_is_provisional(self, *days: date) -> bool:
        """Flag a computation provisional if any year spanned by its dates is not official."""
        if not days:
            return False
        lo, hi = min(days).year, max(days).year
        return any(not self.is_official(y) for y in range(lo, hi + 1))

    def is_working_day(self, day: date) -> bool:
        """Decide one day, letting the coordinator's overrides beat the library and weekends."""
        if day in self.overrides:
            return self.overrides[day]
        if _CC_FIRST_YEAR <= day.year <= _CC_LAST_YEAR:
            # Same rule as chinese_calendar.is_workday, minus its O(n) range check per call.
            if day in chinese_calendar.workdays:
                return True
            if day in chinese_calendar.holidays:
                return False
        return day.weekday() < 5

    def _table(self, year: int) -> _YearTable:
        """Build (once per instance) the year's working-day index, since spans are queried often."""
        table = self._tables.get(year)
        if table is None:
            first = date(year, 1, 1)
            days = [first + timedelta(i) for i in range((date(year + 1, 1, 1) - first).days)]
            flags = [self.is_working_day(d) for d in days]
            prefix = [0]
            for flag in flags:
                prefix.append(prefix[-1] + flag)
            workdays = tuple(d.toordinal() for d, f in zip(days, flags, strict=True) if f)
            table = _YearTable(workdays, tuple(prefix))
            self._tables[year] = table
        return table

    def _count_through(self, day: date) -> int:
        """Count working days from 1 January up to and including ``day``."""
        return self._table(day.year).prefix[day.timetuple().tm_yday]

    def working_days_between(self, start: date, end: date) -> int:
        """Count working days d with start < d <= end (negative mirror if end < start)."""
        if end < start:
            return -self.working_days_between(end, start)
        total = sum(len(self._table(y).workdays) for y in range(start.year, end.year))
        return total - self._count_through(start) + self._count_through(end)

    def add_working_days(self, day: date, n: int) -> date:
        """Step n working days; n == 0 keeps a working day, else rolls a holiday deadline forward."""
        if n == 0:
            return day if self.is_working_day(day) else self.add_working_days(day, 1)
        year = day.year
        if n > 0:
            index = bisect_right(self._table(year).workdays, day.toordinal()) + n - 1
            while index >= len(self._table(year).workdays):
                index -= len(self._table(year).workdays)
                year += 1
        else:
            before = bisect_right(self._table(year).workdays, day.toordinal() - 1)
            index = before + n
            while index < 0:
                year -= 1
                index += len(self._table(year).workdays)
        return date.fromordinal(self._table(year).workdays[index])

    def add_working_days_checked(self, day: date, n: int) -> tuple[date, bool]:
        """Step like add_working_days and report whether the walk touched a non-official year."""
        result = self.add_working_days(day, n)
        return result, self.plan_is_provisional(day, result)
