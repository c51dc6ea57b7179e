"""Addressees of many projects at once, by the rules of `models.recipients.project_recipient`.

A sweep tells thousands of parties in one batch; resolving them one project at a time would cost a
few queries each. This loads a batch's projects, organisations, programmes and region chains in a few
queries and applies the same naming rules (a test holds the two to the same answers).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from models.organisation import Organisation
from models.parties import Party
from models.programme import Programme
from models.project import Project
from models.recipients import Recipient
from models.region import Region, RegionLevel

_OFFICE = {
    Party.COMMUNITY: "社区居委会",
    Party.STREET_OFFICE: "办事处",
    Party.DISTRICT_BUREAU: "民政局",
    Party.CITY_COORDINATOR: "民政局",
}


@dataclass(frozen=True)
class ProjectFacts:
    """What a notice about a project needs: its title, district and the parties to address."""

    project_id: int
    programme_id: int
    title: str
    district_id: int | None
    district_name: str
    recipients: dict[Party, Recipient]


def project_facts(session: Session, project_ids: Iterable[int]) -> dict[int, ProjectFacts]:
    """Facts of each project, in five queries whatever the number of projects."""
    ids = sorted(set(project_ids))
    if not ids:
        return {}
    projects = session.execute(
        select(Project.id, Project.programme_id, Project.community_id, Project.organisation_id, Project.title)
        .where(Project.id.in_(ids))  # type: ignore[union-attr]
    ).all()
    organisations = {
        row.id: row for row in session.execute(
            select(Organisation.id, Organisation.name, Organisation.contact_email)
            .where(Organisation.id.in_({p.organisation_id for p in projects}))  # type: ignore[union-attr]
        )
    }
    programme_regions = dict(session.execute(
        select(Programme.id, Programme.region_id).where(Programme.id.in_({p.programme_id for p in projects}))  # type: ignore[union-attr]
    ).all())
    communities = _regions(session, {p.community_id for p in projects})
    chain_ids = {int(part) for c in communities.values() for part in c.path.strip("/").split("/") if part}
    regions = _regions(session, chain_ids | set(programme_regions.values()))
    facts = {}
    for p in projects:
        community = regions.get(p.community_id) or communities.get(p.community_id)
        chain = [regions[int(x)] for x in community.path.strip("/").split("/") if x and int(x) in regions] if community else []
        by_level = {region.level: region for region in chain}
        district = by_level.get(RegionLevel.DISTRICT) or by_level.get(RegionLevel.CITY)
        organisation = organisations[p.organisation_id]
        recipients = {
            Party.ORGANISATION: Recipient(Party.ORGANISATION, organisation.name, organisation.contact_email),
            Party.COMMUNITY: _region_recipient(Party.COMMUNITY, community),
            Party.STREET_OFFICE: _region_recipient(Party.STREET_OFFICE, by_level.get(RegionLevel.STREET)),
            Party.DISTRICT_BUREAU: _region_recipient(Party.DISTRICT_BUREAU, district),
            Party.CITY_COORDINATOR: _region_recipient(
                Party.CITY_COORDINATOR, regions.get(programme_regions[p.programme_id])
            ),
        }
        facts[p.id] = ProjectFacts(
            p.id, p.programme_id, p.title, district.id if district else None,
            district.name if district else "（未设置区）", recipients,
        )
    return facts


def _regions(session: Session, ids: set[int]) -> dict[int, Region]:
    if not ids:
        return {}
    rows = session.execute(select(Region).where(Region.id.in_(ids))).scalars()  # type: ignore[union-attr]
    return {region.id: region for region in rows if region.id is not None}


def _region_recipient(party: Party, region: Region | None) -> Recipient:
    office = _OFFICE[party]
    if region is None:
        return Recipient(party, f"（未设置的{office}）", None)
    return Recipient(party, f"{region.name}{office}", region.contact_email)
