"""Administrative regions as a tree: city → district → street/town → community."""

from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import enum_column


class RegionLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"


class Settlement(StrEnum):
    """Urban or rural: Chongqing's staffing standards differ by it (street vs town, city vs village)."""

    URBAN = "urban"
    RURAL = "rural"


class Region(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_region_parent_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    level: RegionLevel = Field(sa_column=enum_column(RegionLevel))
    settlement: Settlement | None = Field(default=None, sa_column=enum_column(Settlement, nullable=True))
    parent_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    # Materialised path "/1/4/17/" so that a scope check is one prefix comparison.
    path: str = Field(default="", max_length=255, index=True)
    contact_email: str | None = Field(default=None, max_length=255)
