"""The coordinator's official working-day schedules, kept in the database, and the calendar built from them.

An official-year file (YAML) lists the year's holidays and its adjusted working weekends (调休):

    year: 2027
    source: 国务院办公厅关于2027年部分节假日安排的通知
    holidays:                       # days off, both ends inclusive
      - {name: 元旦, start: 2027-01-01, end: 2027-01-01}
      - {name: 春节, start: 2027-02-05, end: 2027-02-11}
    working_days:                   # weekend days that are worked
      - {name: 春节调休上班, day: 2027-02-13}

Every other day of the year is a working day from Monday to Friday. Loading a year makes it official:
the open nodes planned in it while it was provisional are re-planned, each move audited.
"""

from datetime import date, datetime, timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import delete, select
from sqlmodel import Session

from models.calendar_override import CalendarOverride, OfficialCalendarYear
from models.errors import RulesFailed, RuleViolation
from models.roles import Actor
from models.validation_messages import in_chinese
from schedules.calendar import WorkingCalendar


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HolidaySpan(_Strict):
    name: str
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> "HolidaySpan":
        if self.end < self.start:
            raise ValueError(f"{self.name}：结束日期 {self.end} 早于开始日期 {self.start}")
        return self


class WorkingWeekendDay(_Strict):
    name: str = "调休上班"
    day: date


class OfficialYear(_Strict):
    year: int = Field(ge=2000, le=2100)
    source: str = ""
    holidays: list[HolidaySpan] = Field(default_factory=list)
    working_days: list[WorkingWeekendDay] = Field(default_factory=list)

    @model_validator(mode="after")
    def _inside_year(self) -> "OfficialYear":
        days = [d for span in self.holidays for d in (span.start, span.end)] + [w.day for w in self.working_days]
        outside = sorted({d for d in days if d.year != self.year})
        if outside:
            raise ValueError(f"日期不在 {self.year} 年内：{'、'.join(map(str, outside))}")
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


def read_official_year(path: Path) -> OfficialYear:
    """Parse and validate; errors name the file and the field in Chinese."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return OfficialYear.model_validate(data)
    except yaml.YAMLError as exc:
        raise RulesFailed([RuleViolation("calendar.yaml", f"{path.name}：YAML 语法错误：{exc}")]) from exc
    except ValidationError as exc:
        raise RulesFailed(
            [
                RuleViolation(
                    "calendar.field", f"{path.name} 字段 {'.'.join(map(str, e['loc'])) or '(文件)'}：{in_chinese(e)}"
                )
                for e in exc.errors()
            ]
        ) from exc
    except ValueError as exc:  # PyYAML refuses an impossible date such as 2027-02-30 while parsing
        raise RulesFailed([RuleViolation("calendar.date", f"{path.name}：日期无效（{exc}）")]) from exc


def calendar_from_db(session: Session) -> WorkingCalendar:
    """The working calendar with every official year the coordinator loaded."""
    overrides = {
        day: working for day, working in session.execute(select(CalendarOverride.day, CalendarOverride.working))
    }
    years = frozenset(session.execute(select(OfficialCalendarYear.year)).scalars())
    return WorkingCalendar(overrides=overrides, official_years=years)


def store_official_year(session: Session, official: OfficialYear, *, actor: Actor, now: datetime) -> None:
    """Replace the year's overrides and mark it official; the caller commits."""
    session.execute(delete(CalendarOverride).where(CalendarOverride.year == official.year))  # type: ignore[arg-type]
    session.add_all(
        CalendarOverride(day=day, year=official.year, working=working, name=name)
        for day, (working, name) in sorted(official.overrides().items())
    )
    row = session.get(OfficialCalendarYear, official.year) or OfficialCalendarYear(
        year=official.year, loaded_by=actor.user_id, loaded_at=now
    )
    row.source, row.loaded_by, row.loaded_at = official.source, actor.user_id, now
    session.add(row)
    session.flush()
