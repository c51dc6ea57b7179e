"""Who a party of a project is, by name and address, found from the region tree and the project."""

from dataclasses import dataclass

from sqlmodel import Session

from models.expert import Expert
from models.organisation import Organisation
from models.parties import Party
from models.programme import Programme
from models.project import Project
from models.region import Region, RegionLevel
from models.region_tree import ancestor_at


@dataclass(frozen=True)
class Office:
    """How a regional party's office is named after its region: 金塔巷社区 → 金塔巷社区居民委员会."""

    noun: str  # the office in general, also appended to a region name that ends in no known suffix
    by_suffix: tuple[tuple[str, str], ...] = ()  # a region name ending in the first takes the second


# Defined here only: Python names recipients with `office_name`, the sweep's SQL with `office_name_sql`.
OFFICES: dict[Party, Office] = {
    Party.COMMUNITY: Office("社区居民委员会", (("社区", "居民委员会"), ("居委会", ""), ("村", "村民委员会"))),
    Party.STREET_OFFICE: Office("街道办事处", (("街道", "办事处"), ("镇", "人民政府"), ("乡", "人民政府"))),
    Party.DISTRICT_BUREAU: Office("民政局"),
    Party.CITY_COORDINATOR: Office("民政局"),
}


def office_name(party: Party, region_name: str) -> str:
    """The office of `party` in the region so named: 社区 → 居民委员会, 村 → 村民委员会, 镇 → 人民政府."""
    office = OFFICES[party]
    ending = next((end for suffix, end in office.by_suffix if region_name.endswith(suffix)), office.noun)
    return region_name + ending


def office_name_sql(party: Party, column: str) -> str:
    """`office_name` as SQL over the column holding the region's name (NULL when the tree has no such region)."""
    office = OFFICES[party]
    cases = " ".join(f"WHEN {column} LIKE '%{suffix}' THEN {column} || '{end}'" for suffix, end in office.by_suffix)
    return f"CASE {cases} ELSE {column} || '{office.noun}' END" if cases else f"{column} || '{office.noun}'"


@dataclass(frozen=True)
class Recipient:
    party: Party
    name: str
    address: str | None  # None: nobody to mail yet; the notice is kept and shown as undeliverable


def project_recipient(session: Session, project: Project, party: Party) -> Recipient:
    if party is Party.ORGANISATION:
        organisation = session.get(Organisation, project.organisation_id)
        assert organisation is not None
        return organisation_recipient(organisation.name, organisation.contact_email)
    return region_recipient(party, party_region(session, project, party))


def party_region(session: Session, project: Project, party: Party) -> Region | None:
    """The region whose office is the project's `party` (its address is the region's); None: the tree lacks it."""
    if party is Party.CITY_COORDINATOR:
        programme = session.get(Programme, project.programme_id)
        assert programme is not None
        return session.get(Region, programme.region_id)
    community = session.get(Region, project.community_id)
    assert community is not None
    if party is Party.COMMUNITY:
        return community
    if party is Party.STREET_OFFICE:
        return ancestor_at(session, community, RegionLevel.STREET)
    if party is Party.DISTRICT_BUREAU:
        return ancestor_at(session, community, RegionLevel.DISTRICT) or ancestor_at(
            session, community, RegionLevel.CITY
        )
    raise ValueError(f"party {party} is not a regional party of a project")


def expert_recipient(expert: Expert) -> Recipient:
    return Recipient(Party.EXPERT, expert.name, expert.email)


def organisation_recipient(name: str, address: str | None) -> Recipient:
    return Recipient(Party.ORGANISATION, name, address)


def unset_office(party: Party) -> str:
    """How a notice names an office the region tree lacks (a community with no street above it)."""
    return f"（未设置的{OFFICES[party].noun}）"


def region_recipient(party: Party, region: Region | None) -> Recipient:
    """A regional party's office, named after its region; None: the tree has no such region."""
    if region is None:
        return Recipient(party, unset_office(party), None)
    return Recipient(party, office_name(party, region.name), region.contact_email)
