"""Reading the region tree and the programmes: public administrative facts for every signed-in user."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, select

from models.errors import OutOfScope
from models.programme import Programme, ProgrammeQuota
from models.region import LEVEL_LABELS_ZH, SETTLEMENT_LABELS_ZH, Region, Settlement


class RegionNode(BaseModel):
    id: int
    name: str
    level: str
    level_label: str
    parent_id: int | None
    settlement: Settlement | None = None
    settlement_label: str | None = None
    contact_email: str | None = None  # where the office's notices go
    service_area_m2: int | None = None
    version: int  # what an edit names as its expected_version
    children: list["RegionNode"] = []


def region_node(region: Region) -> RegionNode:
    """The public facts of one place, without its children."""
    assert region.id is not None
    settlement = region.settlement
    return RegionNode(
        id=region.id,
        name=region.name,
        level=region.level.value,
        level_label=LEVEL_LABELS_ZH[region.level],
        parent_id=region.parent_id,
        settlement=settlement,
        settlement_label=SETTLEMENT_LABELS_ZH[settlement] if settlement is not None else None,
        contact_email=region.contact_email,
        service_area_m2=region.service_area_m2,
        version=region.version,
    )


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
    nodes = {r.id: region_node(r) for r in regions}
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
    return region_node(region).model_copy(update={"children": [region_node(child) for child in children]})


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
