"""Building and walking the region tree (materialised paths)."""

from sqlmodel import Session, select

from models.region import Region, RegionLevel, Settlement


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
