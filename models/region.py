"""Administrative regions as a tree: province → city → district → street/town → community/village."""

from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import enum_column

REGION_ENTITY = "region"  # the audit's entity type of a place, and its register's name
LISTED = "listed"  # how the audit trail names a place's standing: places have no lifecycle


class RegionLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"


# The level of a place added under a place of each level; a community (village) has none below it.
CHILD_LEVEL: dict[RegionLevel, RegionLevel] = {
    RegionLevel.PROVINCE: RegionLevel.CITY,
    RegionLevel.CITY: RegionLevel.DISTRICT,
    RegionLevel.DISTRICT: RegionLevel.STREET,
    RegionLevel.STREET: RegionLevel.COMMUNITY,
}
LEVEL_LABELS_ZH: dict[RegionLevel, str] = {
    RegionLevel.PROVINCE: "省",
    RegionLevel.CITY: "市",
    RegionLevel.DISTRICT: "区（县）",
    RegionLevel.STREET: "街道（乡镇）",
    RegionLevel.COMMUNITY: "社区（村）",
}


class Settlement(StrEnum):
    """Urban or rural: Chongqing's staffing standards differ by it (street vs town, city vs village)."""

    URBAN = "urban"
    RURAL = "rural"


SETTLEMENT_LABELS_ZH: dict[Settlement, str] = {Settlement.URBAN: "城市", Settlement.RURAL: "农村"}


class Region(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_region_parent_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    level: RegionLevel = Field(sa_column=enum_column(RegionLevel))
    settlement: Settlement | None = Field(default=None, sa_column=enum_column(Settlement, nullable=True))
    parent_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    # Materialised path "/1/4/17/" so that a scope check is one prefix comparison.
    path: str = Field(default="", max_length=255, index=True)
    contact_email: str | None = Field(default=None, max_length=255)  # where the office's notices go
    service_area_m2: int | None = None  # a community's service area, where the programme weighs it
    version: int = 1  # an edit names the version it read

    @property
    def state(self) -> str:
        """How the audit trail names a place's standing."""
        return LISTED
