"""A funded programme (e.g. Lanzhou 2022) as loaded from `programmes/*.yaml`, and its district quotas."""

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import aware_datetime_column, json_column
from models.programme_spec import ProgrammeSpec


class Programme(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=200)
    year: int
    region_id: int = Field(foreign_key="region.id")
    # The validated YAML (phases, budget template, eligibility, rubric, report schedule, ladder).
    spec: dict[str, Any] = Field(sa_column=json_column())
    loaded_at: datetime = Field(sa_column=aware_datetime_column())

    def parsed_spec(self) -> ProgrammeSpec:
        return ProgrammeSpec.model_validate(self.spec)


class ProgrammeQuota(SQLModel, table=True):
    """How many pilot projects a district may have selected (Lanzhou: 城关区 3, 七里河区 2, …)."""

    __table_args__ = (UniqueConstraint("programme_id", "district_id", name="uq_quota_programme_district"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    district_id: int = Field(foreign_key="region.id")
    quota: int = Field(ge=0)
