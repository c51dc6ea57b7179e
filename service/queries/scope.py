"""models.scope's rules as SQL filters, so that lists agree with `can_see` without loading every row."""

from sqlalchemy import ColumnElement, exists, false, true
from sqlmodel import Session, select

from models.milestone import Milestone
from models.project import Project
from models.region import Region
from models.review import ReviewAssignment
from models.roles import Actor, Role
from models.scope import REGION_ROLES


def _region_path(session: Session, region_id: int | None) -> str | None:
    if region_id is None:
        return None
    return session.exec(select(Region.path).where(Region.id == region_id)).first()  # type: ignore[call-overload, no-any-return]


def communities_under(path: str) -> ColumnElement[bool]:
    """Project rows whose community lies in the subtree at `path` (a materialised path prefix)."""
    subtree = select(Region.id).where(Region.path.startswith(path))  # type: ignore[attr-defined]
    return Project.community_id.in_(subtree)  # type: ignore[attr-defined, no-any-return]


def visible_projects(session: Session, actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.ADMIN:
        return true()
    if actor.role is Role.ORGANISATION:
        return false() if actor.organisation_id is None else Project.organisation_id == actor.organisation_id  # type: ignore[return-value]
    if actor.role is Role.EXPERT:
        if actor.expert_id is None:
            return false()
        return exists().where(
            ReviewAssignment.project_id == Project.id,
            ReviewAssignment.expert_id == actor.expert_id,
            ReviewAssignment.state != "withdrawn",
        )
    if actor.role in REGION_ROLES:
        path = _region_path(session, actor.region_id)
        return false() if path is None else communities_under(path)
    return false()


def visible_milestones(session: Session, actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.ADMIN:
        return true()
    if actor.role is Role.EXPERT:
        return false()  # experts see declarations, not the later project's node reports
    projects = select(Project.id).where(visible_projects(session, actor))
    return Milestone.project_id.in_(projects)  # type: ignore[attr-defined, no-any-return]


def visible_assignments(session: Session, actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.ADMIN:
        return true()
    if actor.role is Role.EXPERT:
        return false() if actor.expert_id is None else ReviewAssignment.expert_id == actor.expert_id  # type: ignore[return-value]
    projects = select(Project.id).where(visible_projects(session, actor))
    return ReviewAssignment.project_id.in_(projects)  # type: ignore[attr-defined, no-any-return]
