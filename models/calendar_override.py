"""The coordinator's official working-day schedule of a year, once the State Council publishes it."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from models.columns import aware_datetime_column


class CalendarOverride(SQLModel, table=True):
    """One day whose status differs from Monday-to-Friday: a holiday, or an adjusted working weekend (调休)."""

    day: date = Field(primary_key=True)
    year: int = Field(index=True)
    working: bool
    name: str = Field(default="", max_length=100)  # 国庆节, 春节调休上班, …


class OfficialCalendarYear(SQLModel, table=True):
    """A year whose schedule is official: deadlines in it are no longer provisional."""

    year: int = Field(primary_key=True)
    source: str = Field(default="", max_length=300)  # the notice the schedule was taken from
    loaded_by: str = Field(max_length=100)
    loaded_at: datetime = Field(sa_column=aware_datetime_column())
