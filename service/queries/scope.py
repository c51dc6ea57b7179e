"""models.scope's rules as SQL filters, so that lists agree with `can_see` without loading every row."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, exists, false, true
from sqlmodel import Session, col, select

from models.node import Node
from models.programme import Programme
from models.project import Project
from models.region import Region, RegionLevel
from models.review import ReviewAssignment
from models.roles import Actor, Role
from models.scope import REGION_ROLES


def communities_under(path: str) -> ColumnElement[bool]:
    """Project rows whose community lies in the subtree at `path` (a materialised path prefix)."""
    subtree = select(Region.id).where(Region.path.startswith(path))  # type: ignore[attr-defined]
    return Project.community_id.in_(subtree)  # type: ignore[attr-defined, no-any-return]


def projects_within(region: Region) -> ColumnElement[bool]:
    """Project rows in the region's subtree, by the narrowest column that says so (district_id: set at declaration)."""
    if region.level == RegionLevel.COMMUNITY:
        return Project.community_id == region.id  # type: ignore[return-value]
    if region.level == RegionLevel.DISTRICT:
        return Project.district_id == region.id  # type: ignore[return-value]
    return communities_under(region.path)


def region_scope(
    session: Session, region_ids: Sequence[int], *, programme_id: int | None = None
) -> ColumnElement[bool]:
    """Projects within every one of these regions, as one predicate (none when the programme already implies it).

    The regions' subtrees either nest (the narrowest decides) or are disjoint (nothing). A declaration's
    community lies inside its programme's region, so a region that contains the programme's adds nothing.
    """
    wanted = set(region_ids)
    found: list[tuple[Region, bool]]
    if programme_id is None:  # by the session's identity map: a page's several lists read the reader's region once
        found = [(region, False) for region in (session.get(Region, i) for i in wanted) if region is not None]
    else:
        top_id = select(Programme.region_id).where(Programme.id == programme_id).scalar_subquery()
        either = Region.id.in_(wanted) | (Region.id == top_id)  # type: ignore[attr-defined]
        found = list(session.exec(select(Region, Region.id == top_id).where(either)).all())  # type: ignore[call-overload]
    regions = [region for region, _ in found if region.id in wanted]
    if len(regions) != len(wanted):
        return false()
    narrowest = max(regions, key=lambda r: len(r.path))
    if not all(narrowest.path.startswith(r.path) for r in regions):
        return false()
    if any(is_top and region.path.startswith(narrowest.path) for region, is_top in found):
        return true()
    return projects_within(narrowest)


def visible_projects(
    session: Session, actor: Actor, *, within: Sequence[int] = (), programme_id: int | None = None
) -> ColumnElement[bool]:
    """The projects the actor may see, narrowed to the regions `within` (a list's filters) in the same predicate."""
    if actor.role in REGION_ROLES:
        return (
            false()
            if actor.region_id is None
            else region_scope(session, [actor.region_id, *within], programme_id=programme_id)
        )
    narrowed: ColumnElement[bool] = region_scope(session, within, programme_id=programme_id) if within else true()
    if actor.role is Role.ADMIN:
        return narrowed
    if actor.role is Role.ORGANISATION:
        if actor.organisation_id is None:
            return false()
        return and_(col(Project.organisation_id) == actor.organisation_id, narrowed)
    if actor.role is Role.EXPERT:
        if actor.expert_id is None:
            return false()
        return and_(
            exists().where(
                col(ReviewAssignment.project_id) == Project.id,
                col(ReviewAssignment.expert_id) == actor.expert_id,
                col(ReviewAssignment.state) != "withdrawn",
            ),
            narrowed,
        )
    return false()


def visible_nodes(session: Session, actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.ADMIN:
        return true()
    if actor.role is Role.EXPERT:
        return false()  # experts see declarations, not the later project's node reports
    projects = select(Project.id).where(visible_projects(session, actor))
    return Node.project_id.in_(projects)  # type: ignore[attr-defined, no-any-return]


def visible_assignments(session: Session, actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.ADMIN:
        return true()
    if actor.role is Role.EXPERT:
        return false() if actor.expert_id is None else ReviewAssignment.expert_id == actor.expert_id  # type: ignore[return-value]
    projects = select(Project.id).where(visible_projects(session, actor))
    return ReviewAssignment.project_id.in_(projects)  # type: ignore[attr-defined, no-any-return]
