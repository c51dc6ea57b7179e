"""Places and their notice addresses: added and edited by whom `REGION_REGISTER` allows, within their scope.

Who may is `REGION_REGISTER` in `models.lifecycles` (checked by `authorize`); where is
`models.region_tree.place_in_scope`. Every change writes an audit row (entity type "region").
"""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel
from sqlmodel import Session, select

from models.authority import authorize
from models.errors import OutOfScope, StaleVersion, VersionRequired
from models.lifecycles import REGION_REGISTER
from models.region import CHILD_LEVEL, LEVEL_LABELS_ZH, Region, Settlement
from models.region_tree import PlaceFacts, PlaceFinder, add_place, change_place, place_in_scope, split_path
from models.roles import Actor
from service.errors import Duplicate, InvalidInput
from service.excel import cells
from service.fields import Count, Id, text
from service.queries.places import RegionNode, region_detail

ADD, EDIT = "add", "edit"
Email = Annotated[text(255, min_length=3), AfterValidator(cells.email)]  # type: ignore[valid-type]
PlaceName = text(100, min_length=1)


class RegionCreate(BaseModel):
    parent_id: Id
    name: PlaceName  # type: ignore[valid-type]
    contact_email: Email | None = None
    settlement: Settlement | None = None  # left out: as its parent
    service_area_m2: Count | None = None


class RegionUpdate(BaseModel):
    """Only the fields sent change; `expected_version` is the version read (409 if it moved on since)."""

    expected_version: Count | None = None
    name: PlaceName | None = None  # type: ignore[valid-type]
    contact_email: Email | None = None
    settlement: Settlement | None = None
    service_area_m2: Count | None = None


def add_region(session: Session, *, data: RegionCreate, actor: Actor, now: datetime) -> RegionNode:
    """A child one level below a place in the actor's scope; its name unique among its siblings. Committed."""
    authorize(session, actor=actor, subject=REGION_REGISTER, action=ADD)
    parent = _place_in_scope(session, region_id=data.parent_id, actor=actor)
    if parent.level not in CHILD_LEVEL:
        raise InvalidInput(f"{LEVEL_LABELS_ZH[parent.level]}之下不能再添加区划")
    _refuse_taken_name(session, parent_id=parent.id, name=data.name, parent_name=parent.name)
    facts = PlaceFacts(
        contact_email=data.contact_email, settlement=data.settlement, service_area_m2=data.service_area_m2
    )
    region = add_place(session, parent=parent, name=data.name, facts=facts, actor=actor, now=now)
    session.commit()
    return region_detail(session, region_id=_id(region))


def edit_region(session: Session, *, region_id: int, data: RegionUpdate, actor: Actor, now: datetime) -> RegionNode:
    """Name, notice address, urban or rural, service area; the version read must still be current. Committed."""
    authorize(session, actor=actor, subject=REGION_REGISTER, action=EDIT)
    region = _place_in_scope(session, region_id=region_id, actor=actor)
    if data.expected_version is None:
        raise VersionRequired("修改区划须提供 expected_version（读取时的版本号）")
    if data.expected_version != region.version:
        raise StaleVersion(f"{region.name}已被他人修改（当前版本 {region.version}），请刷新后重试")
    if data.name is not None and data.name != region.name:
        parent = session.get(Region, region.parent_id) if region.parent_id is not None else None
        _refuse_taken_name(
            session, parent_id=region.parent_id, name=data.name, parent_name=parent.name if parent else ""
        )
    facts = PlaceFacts(**data.model_dump(exclude={"expected_version"}))
    change_place(session, region=region, facts=facts, actor=actor, now=now)
    session.commit()
    return region_detail(session, region_id=region_id)


def place_named(session: Session, *, path: str, actor: Actor) -> Region:
    """The place a 区/街道/社区 path names, from the actor's city: how the command line names a place."""
    finder = PlaceFinder(session, actor)
    start = finder.start(split_path(path))
    if isinstance(start, str):
        raise InvalidInput(start)
    found, missing = finder.walk(*start)
    if missing:
        raise OutOfScope(f"{found.name}下没有名为“{missing[0]}”的区划")
    return found


def _place_in_scope(session: Session, *, region_id: int, actor: Actor) -> Region:
    region = session.get(Region, region_id)
    if region is None or not place_in_scope(session, actor, region):
        raise OutOfScope("区划不存在或不在您的管辖范围内")
    return region


def _refuse_taken_name(session: Session, *, parent_id: int | None, name: str, parent_name: str) -> None:
    if session.exec(select(Region.id).where(Region.parent_id == parent_id, Region.name == name)).first() is not None:
        raise Duplicate(f"{parent_name}下已有名为“{name}”的区划")


def _id(region: Region) -> int:
    assert region.id is not None
    return region.id
