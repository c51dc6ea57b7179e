"""The administrative region tree (city → district → street → community)."""

from fastapi import APIRouter

from service.api.deps import CurrentActor, SessionDep
from service.api.params import EntityId
from service.queries.places import RegionNode, region_detail, region_tree

router = APIRouter(prefix="/regions", tags=["regions"])


@router.get("")
def read_regions(session: SessionDep, actor: CurrentActor) -> list[RegionNode]:
    return region_tree(session)


@router.get("/{region_id}")
def read_region(session: SessionDep, actor: CurrentActor, region_id: EntityId) -> RegionNode:
    return region_detail(session, region_id=region_id)
