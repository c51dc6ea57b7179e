"""Reading the region tree and the programmes: public administrative facts for every signed-in user."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, select

from models.errors import OutOfScope
from models.programme import Programme, ProgrammeQuota
from models.region import Region


class RegionNode(BaseModel):
    id: int
    name: str
    level: str
    parent_id: int | None
    children: list["RegionNode"] = []


class ProgrammePublic(BaseModel):
    id: int
    code: str
    name: str
    year: int
    region_id: int
    loaded_at: datetime
    phases: dict[str, Any]
    quotas: dict[str, Any]
    blind_review: bool


class QuotaPublic(BaseModel):
    district_id: int
    quota: int


class ProgrammeDetail(ProgrammePublic):
    district_quotas: list[QuotaPublic]
    spec: dict[str, Any]


def region_tree(session: Session) -> list[RegionNode]:
    """Every region, nested under its parent, siblings in id order."""
    regions = session.exec(select(Region).order_by(Region.id)).all()  # type: ignore[arg-type]
    nodes = {r.id: RegionNode(id=r.id, name=r.name, level=r.level.value, parent_id=r.parent_id) for r in regions}  # type: ignore[misc]
    roots = []
    for region in regions:
        node = nodes[region.id]
        parent = nodes.get(region.parent_id)
        (parent.children if parent is not None else roots).append(node)
    return roots


def region_detail(session: Session, *, region_id: int) -> RegionNode:
    region = session.get(Region, region_id)
    if region is None:
        raise OutOfScope("地区不存在")
    children = session.exec(select(Region).where(Region.parent_id == region_id).order_by(Region.id)).all()  # type: ignore[arg-type]
    return RegionNode(
        id=region_id,
        name=region.name,
        level=region.level.value,
        parent_id=region.parent_id,
        children=[RegionNode(id=c.id, name=c.name, level=c.level.value, parent_id=c.parent_id) for c in children],  # type: ignore[arg-type]
    )


def programme_public(programme: Programme) -> ProgrammePublic:
    assert programme.id is not None
    return ProgrammePublic(
        id=programme.id,
        code=programme.code,
        name=programme.name,
        year=programme.year,
        region_id=programme.region_id,
        loaded_at=programme.loaded_at,
        phases=programme.spec["phases"],
        quotas=programme.spec["quotas"],
        blind_review=bool(programme.spec.get("rubric", {}).get("blind")),
    )


def list_programmes(session: Session) -> list[ProgrammePublic]:
    return [programme_public(p) for p in session.exec(select(Programme).order_by(Programme.code)).all()]


def programme_detail(session: Session, *, programme_id: int) -> ProgrammeDetail:
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise OutOfScope("试点批次不存在")
    quotas = session.exec(
        select(ProgrammeQuota).where(ProgrammeQuota.programme_id == programme_id).order_by(ProgrammeQuota.id)
    ).all()  # type: ignore[arg-type]
    return ProgrammeDetail(
        **programme_public(programme).model_dump(),
        district_quotas=[QuotaPublic(district_id=q.district_id, quota=q.quota) for q in quotas],
        spec=programme.spec,
    )
