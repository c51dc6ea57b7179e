"""The working-day calendar agrees with every day the holiday-cn files list for 2007–2026 (see HOLIDAY_CN.md)."""

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from schedules.calendar import WorkingCalendar
from schedules.calendar_store import read_official_year

HOLIDAY_CN_YEARS = Path(__file__).with_name("holiday_cn_2007_2026.json")
FIRST_YEAR, LAST_YEAR = 2007, 2026
LISTED_DAYS = 678  # every day the twenty published files list, counted from the files themselves

YEARS: list[dict[str, Any]] = json.loads(HOLIDAY_CN_YEARS.read_text(encoding="utf-8"))


def _listed(year: dict[str, Any]) -> dict[date, bool]:
    """Each listed day of one file, with whether holiday-cn marks it off (a holiday) or worked (调休上班)."""
    return {date.fromisoformat(d["date"]): d["isOffDay"] for d in year["days"]}


def _disagreements(calendar: WorkingCalendar, year: dict[str, Any]) -> list[str]:
    """The listed days on which the calendar's answer is not holiday-cn's, each said so a reader can check it."""
    return [
        f"{d['date']} {d['name']}: holiday-cn {'off' if d['isOffDay'] else 'worked'}, "
        f"calendar {'working' if calendar.is_working_day(date.fromisoformat(d['date'])) else 'not working'}"
        for d in year["days"]
        if calendar.is_working_day(date.fromisoformat(d["date"])) is d["isOffDay"]
    ]


def test_the_files_cover_every_year_and_list_the_published_number_of_days() -> None:
    years = [y["year"] for y in YEARS]
    missing = sorted(set(range(FIRST_YEAR, LAST_YEAR + 1)) - set(years))
    listed = sum(len(y["days"]) for y in YEARS)
    assert (listed, missing) == (LISTED_DAYS, []), (
        f"{HOLIDAY_CN_YEARS.name} lists {listed} days, not {LISTED_DAYS}; years missing: {missing or 'none'}"
    )
    assert years == list(range(FIRST_YEAR, LAST_YEAR + 1)), "one file per year, in order"


def test_the_calendar_agrees_with_every_listed_day() -> None:
    calendar = WorkingCalendar()
    differing = [line for year in YEARS for line in _disagreements(calendar, year)]
    assert not differing, f"{len(differing)} listed days differ:\n" + "\n".join(differing)


@pytest.mark.parametrize("year", YEARS, ids=[str(y["year"]) for y in YEARS])
def test_loading_the_year_file_changes_nothing_on_its_listed_days(tmp_path: Path, year: dict[str, Any]) -> None:
    path = tmp_path / f"{year['year']}.json"
    path.write_text(json.dumps(year, ensure_ascii=False), encoding="utf-8")
    official = read_official_year(path)
    assert (official.year, official.source) == (year["year"], "、".join(year["papers"]))
    overrides = {day: working for day, (working, _) in official.overrides().items()}
    # The reader keeps every listed day, each with its status, and adds none.
    assert {day: not working for day, working in overrides.items()} == _listed(year)
    loaded = WorkingCalendar(overrides=overrides, official_years=frozenset({official.year}))
    bundled = WorkingCalendar()
    changed = [
        f"{day}: loaded {loaded.is_working_day(day)}, bundled {bundled.is_working_day(day)}"
        for day in _listed(year)
        if loaded.is_working_day(day) != bundled.is_working_day(day)
    ]
    assert not changed, f"loading {year['year']} changes {len(changed)} listed days:\n" + "\n".join(changed)
    differing = _disagreements(loaded, year)
    assert not differing, f"{len(differing)} listed days differ once {year['year']} is loaded:\n" + "\n".join(differing)
