"""The official working-day schedules the coordinator loaded, with the days each one changes."""

from datetime import date, datetime

from pydantic import BaseModel
from sqlmodel import Session, select

from models.calendar_override import CalendarOverride, OfficialCalendarYear


class CalendarDayPublic(BaseModel):
    day: date
    working: bool
    name: str


class OfficialYearPublic(BaseModel):
    year: int
    source: str
    loaded_by: str
    loaded_at: datetime
    days: list[CalendarDayPublic]


def official_years(session: Session) -> list[OfficialYearPublic]:
    """Every loaded year in order, each with its holidays and adjusted working weekends."""
    years = session.exec(select(OfficialCalendarYear).order_by(OfficialCalendarYear.year)).all()  # type: ignore[arg-type]
    overrides = session.exec(select(CalendarOverride).order_by(CalendarOverride.day)).all()  # type: ignore[arg-type]
    by_year: dict[int, list[CalendarDayPublic]] = {}
    for row in overrides:
        by_year.setdefault(row.year, []).append(CalendarDayPublic(day=row.day, working=row.working, name=row.name))
    return [
        OfficialYearPublic(
            year=y.year, source=y.source, loaded_by=y.loaded_by, loaded_at=y.loaded_at, days=by_year.get(y.year, [])
        )
        for y in years
    ]
