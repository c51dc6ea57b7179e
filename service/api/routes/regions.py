"""The administrative region tree (province → city → district → street → community) and each office's address."""

from fastapi import APIRouter, status

from service.api.deps import ClockDep, CurrentActor, SessionDep
from service.api.params import EntityId
from service.commands.regions import RegionCreate, RegionUpdate, add_region, edit_region
from service.queries.places import RegionNode, region_detail, region_tree

router = APIRouter(prefix="/regions", tags=["regions"])


@router.get("")
def read_regions(session: SessionDep, actor: CurrentActor) -> list[RegionNode]:
    return region_tree(session)


@router.get("/{region_id}")
def read_region(session: SessionDep, actor: CurrentActor, region_id: EntityId) -> RegionNode:
    return region_detail(session, region_id=region_id)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_region(session: SessionDep, now: ClockDep, actor: CurrentActor, data: RegionCreate) -> RegionNode:
    """在本辖区的一个区划下添加下一级区划（区、街道/乡镇、社区/村），可同时填写联系邮箱与城乡类别。"""
    return add_region(session, data=data, actor=actor, now=now)


@router.patch("/{region_id}")
def update_region(
    session: SessionDep, now: ClockDep, actor: CurrentActor, region_id: EntityId, data: RegionUpdate
) -> RegionNode:
    """修改区划名称、联系邮箱（通知发往此处）、城乡类别或服务面积；须带读取时的 expected_version。"""
    return edit_region(session, region_id=region_id, data=data, actor=actor, now=now)
