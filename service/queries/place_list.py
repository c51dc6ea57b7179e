"""The places of the reader's own part of the region tree, in tree order, for the console's lists and choices."""

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.errors import OutOfScope, RoleNotAllowed
from models.region import Region, RegionLevel
from models.region_tree import place_in_scope
from models.roles import ROLE_LABELS_ZH, Actor, Role
from models.scope import REGION_ROLES
from service.queries.common import Page
from service.queries.places import RegionNode, region_detail, region_node

# Who has a part of the tree to look at: the offices bound to a place, and the administrator (all of it).
PLACE_READERS = frozenset(REGION_ROLES | {Role.ADMIN})


class PlaceRow(RegionNode):
    depth: int  # levels below the reader's own place (or the tree's top), for indenting the tree
    parent_name: str | None = None


def refuse_unless_reads_places(actor: Actor) -> None:
    if actor.role not in PLACE_READERS:
        raise RoleNotAllowed(f"{ROLE_LABELS_ZH[actor.role]}不属于任何区划，无权查看区划")


def _own_place(session: Session, actor: Actor) -> Region | None:
    return session.get(Region, actor.region_id) if actor.region_id is not None else None


def places_in_scope(
    session: Session,
    *,
    actor: Actor,
    name: str | None = None,
    level: RegionLevel | None = None,
    page: int,
    page_size: int,
) -> Page[PlaceRow]:
    """The reader's place and everything below it (the administrator's: the whole tree), parents before children."""
    refuse_unless_reads_places(actor)
    query = select(Region)
    top = 0
    if actor.role is not Role.ADMIN:
        own = _own_place(session, actor)
        if own is None:
            return Page[PlaceRow](items=[], total=0, page=page, page_size=page_size)
        query = query.where(col(Region.path).startswith(own.path))
        top = own.path.count("/")
    if name:
        query = query.where(col(Region.name).contains(name.strip(), autoescape=True))
    if level is not None:
        query = query.where(Region.level == level)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Region.path)).offset((page - 1) * page_size).limit(page_size)).all()
    parents = place_names(session, {r.parent_id for r in rows if r.parent_id is not None})
    items = [
        PlaceRow(
            **region_node(r).model_dump(),
            depth=max(0, r.path.count("/") - (top or 2)),
            parent_name=parents.get(r.parent_id) if r.parent_id is not None else None,
        )
        for r in rows
    ]
    return Page[PlaceRow](items=items, total=total, page=page, page_size=page_size)


def place_in_reach(session: Session, *, actor: Actor, region_id: int) -> RegionNode:
    """One place of the reader's part of the tree, with its children; any other is "not found"."""
    refuse_unless_reads_places(actor)
    region = session.get(Region, region_id)
    if region is None or not place_in_scope(session, actor, region):
        raise OutOfScope("区划不存在或不在您的管辖范围内")
    return region_detail(session, region_id=region_id)


def place_choices(session: Session, *, actor: Actor) -> list[tuple[int, str]]:
    """Every place in the reader's scope as "区 / 街道" paths, for a form's choice of place."""
    if actor.role not in PLACE_READERS:
        return []
    query = select(Region)
    if actor.role is not Role.ADMIN:
        own = _own_place(session, actor)
        if own is None:
            return []
        query = query.where(col(Region.path).startswith(own.path))
    rows = session.exec(query.order_by(col(Region.path))).all()
    names = {r.id: r.name for r in rows}
    ancestors = place_names(session, {int(i) for r in rows for i in r.path.strip("/").split("/") if i} - set(names))
    names.update(ancestors)
    choices = []
    for r in rows:
        assert r.id is not None
        chain = [names.get(int(i), "") for i in r.path.strip("/").split("/") if i]
        choices.append((r.id, " / ".join(chain[1:] or chain)))  # the province is the same for every place
    return choices


def place_names(session: Session, region_ids: set[int]) -> dict[int, str]:
    """Names of the places with these ids (a list's column of places)."""
    if not region_ids:
        return {}
    rows = session.exec(select(Region.id, Region.name).where(col(Region.id).in_(region_ids))).all()
    return {region_id: name for region_id, name in rows if region_id is not None}
