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

# The office of each regional party, after its region's name (城关区 + 民政局); defined here only.
OFFICES: dict[Party, str] = {
    Party.COMMUNITY: "社区居委会",
    Party.STREET_OFFICE: "办事处",
    Party.DISTRICT_BUREAU: "民政局",
    Party.CITY_COORDINATOR: "民政局",
}


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
    if party is Party.CITY_COORDINATOR:
        programme = session.get(Programme, project.programme_id)
        assert programme is not None
        return region_recipient(party, session.get(Region, programme.region_id))
    community = session.get(Region, project.community_id)
    assert community is not None
    if party is Party.COMMUNITY:
        return region_recipient(party, community)
    if party is Party.STREET_OFFICE:
        return region_recipient(party, ancestor_at(session, community, RegionLevel.STREET))
    if party is Party.DISTRICT_BUREAU:
        district = ancestor_at(session, community, RegionLevel.DISTRICT) or ancestor_at(
            session, community, RegionLevel.CITY
        )
        return region_recipient(party, district)
    raise ValueError(f"party {party} is not a party of a project")


def expert_recipient(expert: Expert) -> Recipient:
    return Recipient(Party.EXPERT, expert.name, expert.email)


def organisation_recipient(name: str, address: str | None) -> Recipient:
    return Recipient(Party.ORGANISATION, name, address)


def unset_office(party: Party) -> str:
    """How a notice names an office the region tree lacks (a community with no street above it)."""
    return f"（未设置的{OFFICES[party]}）"


def region_recipient(party: Party, region: Region | None) -> Recipient:
    """A regional party's office, named after its region; None: the tree has no such region."""
    if region is None:
        return Recipient(party, unset_office(party), None)
    return Recipient(party, f"{region.name}{OFFICES[party]}", region.contact_email)
