"""Building and walking the region tree (materialised paths); adding and changing places, audited."""

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from models.audit import record_audit
from models.region import CHILD_LEVEL, LISTED, REGION_ENTITY, Region, RegionLevel, Settlement
from models.roles import Actor, Role

_PATH_SEPARATORS = re.compile(r"\s*[/／]\s*")
_FACTS = ("name", "contact_email", "settlement", "service_area_m2")


def ensure_region(
    session: Session,
    *,
    name: str,
    level: RegionLevel,
    parent: Region | None,
    settlement: Settlement | None = None,
    contact_email: str | None = None,
) -> Region:
    """Find the region by (parent, name) or create it with its path."""
    parent_id = parent.id if parent is not None else None
    query = select(Region).where(Region.name == name)
    query = (
        query.where(Region.parent_id == parent_id)
        if parent_id is not None
        else query.where(
            Region.parent_id.is_(None)  # type: ignore[union-attr]
        )
    )
    region = session.exec(query).first()
    if region is None:
        region = Region(name=name, level=level, parent_id=parent_id, settlement=settlement)
        session.add(region)
        session.flush()
        region.path = f"{parent.path if parent else '/'}{region.id}/"
    if contact_email is not None:
        region.contact_email = contact_email
    if settlement is not None:
        region.settlement = settlement
    session.add(region)
    session.flush()
    return region


def ancestor_at(session: Session, region: Region, level: RegionLevel) -> Region | None:
    """The region's ancestor (or itself) at the given level."""
    ids = [int(part) for part in region.path.strip("/").split("/") if part]
    if not ids:
        return None
    rows = session.exec(select(Region).where(Region.id.in_(ids))).all()  # type: ignore[union-attr]
    return next((row for row in rows if row.level == level), None)


def contains(ancestor: Region, region: Region) -> bool:
    return region.path.startswith(ancestor.path)


def place_in_scope(session: Session, actor: Actor, region: Region) -> bool:
    """Whether the place lies within the actor's own part of the tree (the administrator's is all of it)."""
    if actor.role is Role.ADMIN:
        return True
    own = session.get(Region, actor.region_id) if actor.region_id is not None else None
    return own is not None and contains(own, region)


def split_path(written: str) -> list[str]:
    """The names of a 区/街道/社区 path, as people write it (either slash, blanks around it)."""
    return [part for part in _PATH_SEPARATORS.split(written.strip()) if part]


class PlaceFinder:
    """Walks 区/街道/社区 paths from the actor's city (or its province), loading each place's children once."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session = session
        self.children: dict[int | None, dict[str, Region]] = {}
        own = session.get(Region, actor.region_id) if actor.region_id is not None else None
        self.home = (ancestor_at(session, own, RegionLevel.CITY) or own) if own is not None else None

    def child(self, parent: Region | None, name: str) -> Region | None:
        parent_id = parent.id if parent is not None else None
        if parent_id not in self.children:
            query = select(Region).where(
                Region.parent_id == parent_id if parent_id is not None else col(Region.parent_id).is_(None)
            )
            self.children[parent_id] = {region.name: region for region in self.session.exec(query)}
        return self.children[parent_id].get(name)

    def start(self, names: list[str]) -> tuple[Region, list[str]] | str:
        """Where the path starts and its names below that place, or the Chinese reason it starts nowhere."""
        if not names:
            return "请填写区划路径，如 城关区/张掖路街道/金塔巷社区"
        home = self.home or self._top(names[0])
        if home is None:
            return "请从市（或省）一级写起，如 兰州市/城关区/张掖路街道"
        return home, names[1:] if names[0] == home.name else names

    def walk(self, start: Region, names: list[str]) -> tuple[Region, list[str]]:
        """The deepest place of the path already in the tree, and the names below it that are not."""
        current = start
        for index, name in enumerate(names):
            found = self.child(current, name)
            if found is None:
                return current, names[index:]
            current = found
        return current, []

    def _top(self, name: str) -> Region | None:
        tops = self.session.exec(
            select(Region).where(Region.name == name, col(Region.level).in_([RegionLevel.CITY, RegionLevel.PROVINCE]))
        ).all()
        return tops[0] if len(tops) == 1 else None


@dataclass(frozen=True)
class PlaceFacts:
    """What a place says of itself besides where it sits: each field left None is kept as stored."""

    name: str | None = None
    contact_email: str | None = None
    settlement: Settlement | None = None
    service_area_m2: int | None = None


def add_place(session: Session, *, parent: Region, name: str, facts: PlaceFacts, actor: Actor, now: datetime) -> Region:
    """A child one level below its parent (urban or rural as the parent, unless said), audited as "add"."""
    level = CHILD_LEVEL[parent.level]
    region = ensure_region(
        session,
        name=name,
        level=level,
        parent=parent,
        settlement=facts.settlement or parent.settlement,
        contact_email=facts.contact_email,
    )
    region.service_area_m2 = facts.service_area_m2
    session.add(region)
    session.flush()
    details = {"parent_id": parent.id, "level": level.value, **_facts_of(region)}
    _audit(session, region, "add", from_state=None, actor=actor, now=now, details=details)
    return region


def change_place(session: Session, *, region: Region, facts: PlaceFacts, actor: Actor, now: datetime) -> bool:
    """Apply the facts given; a real change moves the version on and is audited as "edit" with before and after."""
    changed = {
        field: (getattr(region, field), getattr(facts, field))
        for field in _FACTS
        if getattr(facts, field) is not None and getattr(facts, field) != getattr(region, field)
    }
    if not changed:
        return False
    for field, (_, value) in changed.items():
        setattr(region, field, value)
    region.version += 1
    session.add(region)
    session.flush()
    changes = {field: [_plain(old), _plain(new)] for field, (old, new) in changed.items()}
    _audit(session, region, "edit", from_state=LISTED, actor=actor, now=now, details={"changes": changes})
    return True


def _audit(
    session: Session,
    region: Region,
    event: str,
    *,
    from_state: str | None,
    actor: Actor,
    now: datetime,
    details: dict[str, Any],
) -> None:
    record_audit(
        session,
        entity_type=REGION_ENTITY,
        entity=region,
        event=event,
        from_state=from_state,
        actor=actor,
        now=now,
        details=details,
    )


def _facts_of(region: Region) -> dict[str, Any]:
    return {field: _plain(getattr(region, field)) for field in _FACTS}


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, StrEnum) else value
