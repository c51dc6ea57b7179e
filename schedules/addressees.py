"""Addressees of many projects at once, by the rules of `models.recipients.project_recipient`.

A sweep tells thousands of parties in one batch; resolving them one project at a time would cost a
few queries each. `project_facts` loads a batch's projects, organisations, programmes and region chains
in a few queries and applies the same naming rules; `ADDRESSEE_JOINS` and `recipient_sql` state them
once more as SQL, for statements that write a whole batch's notices at once (tests hold all three to the
same answers).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from models.organisation import Organisation
from models.parties import Party
from models.programme import Programme
from models.project import Project
from models.recipients import Recipient, office_name_sql, organisation_recipient, region_recipient, unset_office
from models.region import Region, RegionLevel

PROJECT_PARTIES = frozenset(
    {
        Party.ORGANISATION,
        Party.COMMUNITY,
        Party.STREET_OFFICE,
        Party.DISTRICT_BUREAU,
        Party.CITY_COORDINATOR,
    }
)
NO_DISTRICT = "（未设置区）"


@dataclass(frozen=True)
class ProjectFacts:
    """What a notice about a project needs: its title, district and the parties to address."""

    project_id: int
    programme_id: int
    title: str
    district_id: int | None
    district_name: str
    recipients: dict[Party, Recipient]
    offices: dict[Party, int | None]  # the region of each regional party's office; None: the tree has none


def project_facts(session: Session, project_ids: Iterable[int]) -> dict[int, ProjectFacts]:
    """Facts of each project, in five queries whatever the number of projects."""
    ids = sorted(set(project_ids))
    if not ids:
        return {}
    projects = session.execute(
        select(Project.id, Project.programme_id, Project.community_id, Project.organisation_id, Project.title).where(
            Project.id.in_(ids)
        )  # type: ignore[union-attr]
    ).all()
    organisations = {
        row.id: row
        for row in session.execute(
            select(Organisation.id, Organisation.name, Organisation.contact_email).where(
                Organisation.id.in_({p.organisation_id for p in projects})
            )  # type: ignore[union-attr]
        )
    }
    programme_regions = dict(
        session.execute(
            select(Programme.id, Programme.region_id).where(Programme.id.in_({p.programme_id for p in projects}))  # type: ignore[union-attr]
        ).all()
    )
    communities = _regions(session, {p.community_id for p in projects})
    chain_ids = {int(part) for c in communities.values() for part in c.path.strip("/").split("/") if part}
    regions = _regions(session, chain_ids | set(programme_regions.values()))
    facts = {}
    for p in projects:
        community = regions.get(p.community_id) or communities.get(p.community_id)
        chain = (
            [regions[int(x)] for x in community.path.strip("/").split("/") if x and int(x) in regions]
            if community
            else []
        )
        by_level = {region.level: region for region in chain}
        district = by_level.get(RegionLevel.DISTRICT) or by_level.get(RegionLevel.CITY)
        organisation = organisations[p.organisation_id]
        offices = {
            Party.COMMUNITY: community,
            Party.STREET_OFFICE: by_level.get(RegionLevel.STREET),
            Party.DISTRICT_BUREAU: district,
            Party.CITY_COORDINATOR: regions.get(programme_regions[p.programme_id]),
        }
        recipients = {
            Party.ORGANISATION: organisation_recipient(organisation.name, organisation.contact_email),
            **{party: region_recipient(party, region) for party, region in offices.items()},
        }
        facts[p.id] = ProjectFacts(
            p.id,
            p.programme_id,
            p.title,
            district.id if district else None,
            district.name if district else NO_DISTRICT,
            recipients,
            {party: region.id if region else None for party, region in offices.items()},
        )
    return facts


def _regions(session: Session, ids: set[int]) -> dict[int, Region]:
    if not ids:
        return {}
    rows = session.execute(select(Region).where(Region.id.in_(ids))).scalars()  # type: ignore[union-attr]
    return {region.id: region for region in rows if region.id is not None}


# The same rules in SQL, as joins from a project aliased `p`: its community `cm` and the community's
# ancestors (RegionLevel has five levels, so four parents at most), the district (or, lacking one, the
# city) `di`, the street `st`, its organisation `o`, and the programme's region `cy`.
_CHAIN = ("cm", "up1", "up2", "up3", "up4")
_REGION_OF = {
    Party.COMMUNITY: "cm",
    Party.STREET_OFFICE: "st",
    Party.DISTRICT_BUREAU: "di",
    Party.CITY_COORDINATOR: "cy",
}


def _chain_at(level: RegionLevel) -> str:
    whens = " ".join(f"WHEN {alias}.level = '{level.value}' THEN {alias}.id" for alias in _CHAIN)
    return f"CASE {whens} END"


DISTRICT_JOINS = f"""
JOIN region cm ON cm.id = p.community_id
LEFT JOIN region up1 ON up1.id = cm.parent_id
LEFT JOIN region up2 ON up2.id = up1.parent_id
LEFT JOIN region up3 ON up3.id = up2.parent_id
LEFT JOIN region up4 ON up4.id = up3.parent_id
LEFT JOIN region di ON di.id = COALESCE({_chain_at(RegionLevel.DISTRICT)}, {_chain_at(RegionLevel.CITY)})
"""
DISTRICT_NAME_SQL = f"COALESCE(di.name, '{NO_DISTRICT}')"
ADDRESSEE_JOINS = f"""{DISTRICT_JOINS}
LEFT JOIN region st ON st.id = {_chain_at(RegionLevel.STREET)}
JOIN organisation o ON o.id = p.organisation_id
JOIN programme pg ON pg.id = p.programme_id
LEFT JOIN region cy ON cy.id = pg.region_id
"""


def _addressee_columns() -> str:
    columns = [f"o.name AS {Party.ORGANISATION.value}_name", f"o.contact_email AS {Party.ORGANISATION.value}_address"]
    for party, alias in _REGION_OF.items():
        name = office_name_sql(party, f"{alias}.name")
        columns.append(f"COALESCE({name}, '{unset_office(party)}') AS {party.value}_name")
        columns.append(f"{alias}.contact_email AS {party.value}_address")
    return ", ".join(columns)


# Over ADDRESSEE_JOINS: `<party>_name` and `<party>_address` for each party of the project.
ADDRESSEE_COLUMNS = _addressee_columns()


def recipient_sql(party: str, row: str) -> tuple[str, str]:
    """SQL for the name and address of the party that the expression `party` names, from ADDRESSEE_COLUMNS of `row`."""
    parties = [Party.ORGANISATION, *_REGION_OF]
    names = " ".join(f"WHEN '{p.value}' THEN {row}.{p.value}_name" for p in parties)
    addresses = " ".join(f"WHEN '{p.value}' THEN {row}.{p.value}_address" for p in parties)
    return f"CASE {party} {names} END", f"CASE {party} {addresses} END"
