"""The parties of a project that notices can be addressed to, up the administrative chain."""

from enum import StrEnum


class Party(StrEnum):
    ORGANISATION = "organisation"
    COMMUNITY = "community"
    STREET_OFFICE = "street_office"
    DISTRICT_BUREAU = "district_bureau"
    CITY_COORDINATOR = "city_coordinator"
    EXPERT = "expert"
