"""Who acts in a programme, and the actor that performs a transition."""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CITY_COORDINATOR = "city_coordinator"
    DISTRICT_BUREAU = "district_bureau"
    STREET_OFFICE = "street_office"
    COMMUNITY = "community"
    ORGANISATION = "organisation"
    EXPERT = "expert"
    ADMIN = "admin"


ROLE_LABELS_ZH: dict[Role, str] = {
    Role.CITY_COORDINATOR: "市民政局（统筹）",
    Role.DISTRICT_BUREAU: "区民政局",
    Role.STREET_OFFICE: "街道办事处",
    Role.COMMUNITY: "社区居委会",
    Role.ORGANISATION: "社工机构",
    Role.EXPERT: "评审专家",
    Role.ADMIN: "系统管理员",
}


@dataclass(frozen=True)
class Actor:
    """The person behind a transition; `region_id`, `organisation_id` or `expert_id` bound their scope."""

    user_id: str
    role: Role
    display_name: str = ""
    region_id: int | None = None
    organisation_id: int | None = None
    expert_id: int | None = None
    on_behalf_of: str | None = None
