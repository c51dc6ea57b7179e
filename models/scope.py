"""Whether an actor may see an entity at all: scope follows the region tree and the project's parties."""

from typing import Any

from sqlmodel import Session, select

from models.organisation import Organisation
from models.project import Project
from models.region import Region
from models.review import ReviewAssignment
from models.roles import Actor, Role

REGION_ROLES = {Role.CITY_COORDINATOR, Role.DISTRICT_BUREAU, Role.STREET_OFFICE, Role.COMMUNITY}


def project_of(session: Session, entity: Any) -> Project:
    if isinstance(entity, Project):
        return entity
    project = session.get(Project, entity.project_id)
    assert project is not None
    return project


def can_see(session: Session, actor: Actor, entity: Any) -> bool:
    if actor.role is Role.ADMIN:
        return True
    if isinstance(entity, Organisation):  # the register is open to all who may read it; an organisation acts for itself
        return actor.role is not Role.ORGANISATION or entity.id == actor.organisation_id
    if isinstance(entity, ReviewAssignment) and actor.role is Role.EXPERT:
        return entity.expert_id == actor.expert_id
    project = project_of(session, entity)
    if actor.role is Role.ORGANISATION:
        return project.organisation_id == actor.organisation_id
    if actor.role is Role.EXPERT:
        # Experts see the declarations assigned to them, not the later project's node reports.
        return isinstance(entity, Project) and _assigned(session, project, actor)
    if actor.role in REGION_ROLES:
        return _region_contains(session, actor.region_id, project)
    return False


def _region_contains(session: Session, region_id: int | None, project: Project) -> bool:
    if region_id is None:
        return False
    actor_region = session.get(Region, region_id)
    community = session.get(Region, project.community_id)
    if actor_region is None or community is None:
        return False
    return community.path.startswith(actor_region.path)


def _assigned(session: Session, project: Project, actor: Actor) -> bool:
    return (
        session.exec(
            select(ReviewAssignment.id).where(
                ReviewAssignment.project_id == project.id,
                ReviewAssignment.expert_id == actor.expert_id,
                ReviewAssignment.state != "withdrawn",
            )
        ).first()
        is not None
    )
