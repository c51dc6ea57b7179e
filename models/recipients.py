"""Who a party of a project is, by name and address, found from the region tree and the project."""

from dataclasses import dataclass

from sqlmodel import Session

from models.expert import Expert
from models.organisation import Organisation
from models.parties import Party
from models.programme import Programme
from models.project import Project
from models.region import Region, RegionLevel
from models.regions import ancestor_at


@dataclass(frozen=True)
class Recipient:
    party: Party
    name: str
    address: str | None  # None: nobody to mail yet; the notice is kept and shown as undeliverable


def project_recipient(session: Session, project: Project, party: Party) -> Recipient:
    if party is Party.ORGANISATION:
        organisation = session.get(Organisation, project.organisation_id)
        assert organisation is not None
        return Recipient(party, organisation.name, organisation.contact_email)
    if party is Party.CITY_COORDINATOR:
        programme = session.get(Programme, project.programme_id)
        assert programme is not None
        return _region_recipient(party, session.get(Region, programme.region_id), "民政局")
    community = session.get(Region, project.community_id)
    assert community is not None
    if party is Party.COMMUNITY:
        return _region_recipient(party, community, "社区居委会")
    if party is Party.STREET_OFFICE:
        return _region_recipient(party, ancestor_at(session, community, RegionLevel.STREET), "办事处")
    if party is Party.DISTRICT_BUREAU:
        district = ancestor_at(session, community, RegionLevel.DISTRICT) or ancestor_at(
            session, community, RegionLevel.CITY
        )
        return _region_recipient(party, district, "民政局")
    raise ValueError(f"party {party} is not a party of a project")


def expert_recipient(expert: Expert) -> Recipient:
    return Recipient(Party.EXPERT, expert.name, expert.email)


def _region_recipient(party: Party, region: Region | None, office: str) -> Recipient:
    if region is None:
        return Recipient(party, f"（未设置的{office}）", None)
    return Recipient(party, f"{region.name}{office}", region.contact_email)
