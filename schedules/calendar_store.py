"""The coordinator's official working-day schedules, kept in the database, and the calendar built from them.

An official-year file (YAML) lists the year's holidays and its adjusted working weekends (调休):

    year: 2027
    source: 国务院办公厅关于2027年部分节假日安排的通知
    holidays:                       # days off, both ends inclusive
      - {name: 元旦, start: 2027-01-01, end: 2027-01-01}
      - {name: 春节, start: 2027-02-05, end: 2027-02-11}
    working_days:                   # weekend days that are worked
      - {name: 春节调休上班, day: 2027-02-13}

The same year in the per-year JSON that the holiday-cn project publishes from each notice is read too
(chosen by the extension .json or by a top-level `days` list): every listed day with `isOffDay: true` is a
holiday, `false` an adjusted working day, and the notice URLs in `papers` become the year's source:

    {"year": 2027, "papers": ["https://www.gov.cn/..."],
     "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}, ...]}

Either format may list days of the previous December (元旦 can start there). Every other day of the year is a
working day from Monday to Friday. Loading a year makes it official: the open nodes planned in it while it was
provisional are re-planned, each move audited.
"""

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy import delete, select
from sqlmodel import Session

from models.calendar_override import CalendarOverride, OfficialCalendarYear
from models.errors import RulesFailed, RuleViolation
from models.roles import Actor
from models.validation_messages import in_chinese
from schedules.calendar import WorkingCalendar, builtin_day


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def in_notice_year(day: date, year: int) -> bool:
    """A year's notice covers that year and, for 元旦, the last days of the December before it."""
    return day.year == year or (day.year == year - 1 and day.month == 12)


SOURCE_LENGTH = 300  # as stored
NAME_LENGTH = 90  # the stored name holds 100 characters, "调休上班" may be added


class HolidaySpan(_Strict):
    name: str = Field(max_length=NAME_LENGTH)
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> "HolidaySpan":
        if self.end < self.start:
            raise ValueError(f"{self.name}：结束日期 {self.end} 早于开始日期 {self.start}")
        return self


class WorkingWeekendDay(_Strict):
    name: str = Field(default="调休上班", max_length=NAME_LENGTH)
    day: date


class OfficialYear(_Strict):
    year: int = Field(ge=2000, le=2100)
    source: str = Field(default="", max_length=SOURCE_LENGTH)
    holidays: list[HolidaySpan] = Field(default_factory=list)
    working_days: list[WorkingWeekendDay] = Field(default_factory=list)

    @model_validator(mode="after")
    def _inside_year(self) -> "OfficialYear":
        days = [d for span in self.holidays for d in (span.start, span.end)] + [w.day for w in self.working_days]
        outside = sorted({d for d in days if not in_notice_year(d, self.year)})
        if outside:
            raise ValueError(f"日期不在 {self.year} 年内（元旦假期可始于上一年 12 月）：{'、'.join(map(str, outside))}")
        return self

    def overrides(self) -> dict[date, tuple[bool, str]]:
        """Each day that differs from the Monday-to-Friday rule (or is named), with its status."""
        days: dict[date, tuple[bool, str]] = {}
        for span in self.holidays:
            for i in range((span.end - span.start).days + 1):
                days[span.start + timedelta(i)] = (False, span.name)
        for worked in self.working_days:
            days[worked.day] = (True, worked.name)
        return days


class HolidayCnDay(_Strict):
    """One day of a holiday-cn file: a day off (holiday) or a worked weekend (调休上班)."""

    name: str = Field(max_length=NAME_LENGTH)
    day: date = Field(alias="date")
    is_off_day: StrictBool = Field(alias="isOffDay")


class HolidayCnYear(_Strict):
    """A year as the holiday-cn project publishes it (https://github.com/NateScarlet/holiday-cn, schema.json)."""

    schema_url: str = Field(default="", alias="$schema")
    file_id: str = Field(default="", alias="$id")
    year: int = Field(ge=2000, le=2100)
    papers: list[str] = Field(default_factory=list)
    days: list[HolidayCnDay]

    @field_validator("papers")
    @classmethod
    def _sources_fit(cls, papers: list[str]) -> list[str]:
        if len("、".join(papers)) > SOURCE_LENGTH:
            raise ValueError(f"文件网址合计不能超过 {SOURCE_LENGTH} 个字符")
        return papers

    @field_validator("days")
    @classmethod
    def _each_day_once_in_the_year(cls, days: list[HolidayCnDay], info: ValidationInfo) -> list[HolidayCnDay]:
        year = info.data.get("year")
        problems = [
            f"第 {i + 1} 天（{d.day} {d.name}）不在 {year} 年内（元旦假期可始于上一年 12 月）"
            for i, d in enumerate(days)
            if year is not None and not in_notice_year(d.day, year)
        ]
        seen: set[date] = set()
        for i, d in enumerate(days):
            if d.day in seen:
                problems.append(f"第 {i + 1} 天（{d.day} {d.name}）重复列出")
            seen.add(d.day)
        if problems:
            raise ValueError("；".join(problems))
        return days

    def official(self) -> OfficialYear:
        """The same year in the project's own terms: single-day holidays and worked weekends."""
        return OfficialYear(
            year=self.year,
            source="、".join(self.papers),
            holidays=[HolidaySpan(name=d.name, start=d.day, end=d.day) for d in self.days if d.is_off_day],
            working_days=[
                WorkingWeekendDay(name=d.name if d.name.endswith("调休上班") else f"{d.name}调休上班", day=d.day)
                for d in self.days
                if not d.is_off_day
            ],
        )


_MESSAGES_ZH = {
    "bool_type": "应为 true 或 false",
    "model_type": "应为映射（键: 值）",
    "string_too_long": "不能超过 {max_length} 个字符",
}


def _in_chinese(error: Any) -> str:
    """The shared translations, plus the few that only these files meet."""
    template = _MESSAGES_ZH.get(error["type"])
    return template.format(**error.get("ctx", {})) if template else in_chinese(error)


def _field(error: Any, data: object) -> str:
    """The field's path, and for an item of a list the day or name it holds, so that the message finds it."""
    loc = error["loc"]
    where = ".".join(map(str, loc)) or "(文件)"
    if len(loc) >= 2 and isinstance(data, Mapping) and isinstance(loc[1], int):
        items = data.get(loc[0])
        item = items[loc[1]] if isinstance(items, Sequence) and loc[1] < len(items) else None
        if isinstance(item, Mapping):
            said = [str(item[k]) for k in ("date", "day", "start", "name") if k in item]
            where += f"（{' '.join(said)}）" if said else ""
    return where


def _parsed(path: Path) -> object:
    """JSON for a .json file, else YAML (which also reads JSON); syntax errors say where."""
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise RulesFailed(
            [
                RuleViolation(
                    "calendar.json", f"{path.name}：JSON 语法错误（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}"
                )
            ]
        ) from exc
    except yaml.YAMLError as exc:
        raise RulesFailed([RuleViolation("calendar.yaml", f"{path.name}：YAML 语法错误：{exc}")]) from exc
    except ValueError as exc:  # PyYAML refuses an impossible date such as 2027-02-30 while parsing
        raise RulesFailed([RuleViolation("calendar.date", f"{path.name}：日期无效（{exc}）")]) from exc


def read_official_year(path: Path) -> OfficialYear:
    """Parse and validate either format; errors name the file, the field and the day in Chinese."""
    data = _parsed(path)
    holiday_cn = path.suffix.lower() == ".json" or (isinstance(data, Mapping) and "days" in data)
    try:
        return HolidayCnYear.model_validate(data).official() if holiday_cn else OfficialYear.model_validate(data)
    except ValidationError as exc:
        raise RulesFailed(
            [
                RuleViolation(
                    "calendar.field",
                    f"{path.name} 字段 {_field(e, data)}：{_in_chinese(e)}",
                )
                for e in exc.errors()
            ]
        ) from exc


def calendar_from_db(session: Session) -> WorkingCalendar:
    """The working calendar with every official year the coordinator loaded."""
    overrides = {
        day: working for day, working in session.execute(select(CalendarOverride.day, CalendarOverride.working))
    }
    years = frozenset(session.execute(select(OfficialCalendarYear.year)).scalars())
    return WorkingCalendar(overrides=overrides, official_years=years)


def store_official_year(session: Session, official: OfficialYear, *, actor: Actor, now: datetime) -> None:
    """Replace the year's overrides and mark it official; the caller commits."""
    days = official.overrides()
    session.execute(
        delete(CalendarOverride).where(
            (CalendarOverride.year == official.year) | CalendarOverride.day.in_(days)  # type: ignore[arg-type, attr-defined]
        )
    )
    session.add_all(
        CalendarOverride(day=day, year=official.year, working=working, name=name)
        for day, (working, name) in sorted(days.items())
    )
    row = session.get(OfficialCalendarYear, official.year) or OfficialCalendarYear(
        year=official.year, loaded_by=actor.user_id, loaded_at=now
    )
    row.source, row.loaded_by, row.loaded_at = official.source, actor.user_id, now
    session.add(row)
    session.flush()


class DayKind(StrEnum):
    WORKDAY = "工作日"
    REST_DAY = "休息日"
    HOLIDAY = "法定节假日"
    ADJUSTED_WORKDAY = "调休上班"


class CalendarDay(BaseModel):
    day: date
    kind: DayKind
    working: bool
    name: str  # the holiday's name, empty on ordinary days
    source: str  # the notice (or the fallback) that decides the day
    provisional: bool  # the year's schedule is not yet official


MAX_LISTED_DAYS = 400
BUILTIN_SOURCE = f"chinese-calendar {chinese_calendar.__version__} 内置"


def calendar_days(session: Session, *, first: date, last: date) -> list[CalendarDay]:
    """Each day of the span as deadlines count it, with what decided it, so a user can check a due date."""
    if last < first or (last - first).days >= MAX_LISTED_DAYS:
        raise RulesFailed(
            [RuleViolation("calendar.span", f"查询范围应为 1 至 {MAX_LISTED_DAYS} 天，且结束日期不早于开始日期")]
        )
    calendar = calendar_from_db(session)
    named = {
        row.day: row
        for row in session.execute(
            select(CalendarOverride).where(CalendarOverride.day.between(first, last))  # type: ignore[attr-defined]
        ).scalars()
    }
    sources = dict(session.execute(select(OfficialCalendarYear.year, OfficialCalendarYear.source)).all())
    return [_calendar_day(calendar, day, named.get(day), sources) for day in _span(first, last)]


def _span(first: date, last: date) -> list[date]:
    return [first + timedelta(i) for i in range((last - first).days + 1)]


def _source(year: int, calendar: WorkingCalendar, sources: Mapping[int, str]) -> str:
    """What decides a year's days: the loaded notice, else the bundled one, else the weekends-only fallback."""
    if year in sources:
        return sources[year] or f"{year}年正式节假日安排（已载入）"
    if calendar.is_official(year):
        return f"国务院办公厅{year}年节假日安排（{BUILTIN_SOURCE}）"
    return f"{year}年尚无正式节假日安排，暂按周一至周五工作计算"


def _calendar_day(
    calendar: WorkingCalendar, day: date, override: CalendarOverride | None, sources: Mapping[int, str]
) -> CalendarDay:
    """One day's kind, name and source, taken from the same places and in the same order as is_working_day."""
    working, weekend = calendar.is_working_day(day), day.weekday() >= 5
    if override is not None:
        name, source = override.name, _source(override.year, calendar, sources)
    elif (builtin := builtin_day(day)) is not None:
        name, source = builtin, _source(day.year, calendar, {})
    else:
        name, source = "", _source(day.year, calendar, sources)
    if working:
        kind = DayKind.ADJUSTED_WORKDAY if weekend else DayKind.WORKDAY
    else:
        kind = DayKind.HOLIDAY if name else DayKind.REST_DAY
    return CalendarDay(
        day=day, kind=kind, working=working, name=name, source=source, provisional=calendar.is_provisional(day)
    )
