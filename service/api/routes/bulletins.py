"""Node-completion bulletins (节点工作完成情况通报): published on demand by the coordinator, listed, downloaded."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from models.input_policy import ONE_LINE
from models.roles import Actor
from service.api.deps import ClockDep, CurrentActor, SessionDep, SettingsDep, require_roles
from service.api.params import EntityId, OptionalId
from service.commands.bulletins import BulletinCreate, publish_on_demand
from service.files import MEDIA_TYPES, binary_responses, download
from service.queries.bulletins import BULLETIN_READERS, BulletinPublic, bulletin_download, list_bulletins

router = APIRouter(prefix="/bulletins", tags=["bulletins"])
Reader = Annotated[Actor, Depends(require_roles(*BULLETIN_READERS))]
PeriodLabel = Annotated[
    str, Path(max_length=40, description="2023-Q1、2023-H1、2023-03、2023 或 2023-01-01..2023-03-31"), ONE_LINE
]


@router.get("")
def read_bulletins(
    session: SessionDep, settings: SettingsDep, actor: Reader, programme_id: OptionalId = None
) -> list[BulletinPublic]:
    """已生成的节点工作完成情况通报，最近一期在前；市、区民政局和街道办可查看本市的通报（全市各区同一份）。"""
    return list_bulletins(session, actor=actor, programme_id=programme_id, files_dir=settings.files_dir)


@router.post("", status_code=status.HTTP_201_CREATED)
def publish(
    session: SessionDep, settings: SettingsDep, now: ClockDep, actor: CurrentActor, data: BulletinCreate
) -> BulletinPublic:
    """市民政局立即生成一期通报（.xlsx），并通知各区民政局和街道办（同一期只通知一次，再次生成只更新文件）。"""
    return publish_on_demand(session, data=data, actor=actor, now=now, files_dir=settings.files_dir)


@router.get("/{programme_id}/{period}", response_class=Response, responses=binary_responses(MEDIA_TYPES[".xlsx"]))
def download_bulletin(
    session: SessionDep, settings: SettingsDep, actor: Reader, programme_id: EntityId, period: PeriodLabel
) -> Response:
    """下载一期通报（.xlsx）。"""
    content, filename = bulletin_download(
        session, actor=actor, programme_id=programme_id, period=period, files_dir=settings.files_dir
    )
    return download(content, filename=filename)
