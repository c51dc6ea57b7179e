"""Node reports: what waits for me, the detail with every version, attachments up and down, a programme's plan."""

from typing import Annotated

from fastapi import APIRouter, Path, Response, UploadFile, status

from models.dates import shanghai_date
from models.input_policy import ONE_LINE
from service.api.deps import ClockDep, CurrentActor, SessionDep, SettingsDep
from service.api.params import EntityId, OptionalId, PageNumber, PageSize
from service.api.problems import problem_responses
from service.commands.extensions import NodeExtension, extend_node
from service.commands.uploads import AttachmentStored, Upload, attach_to_node
from service.files import MEDIA_TYPES, binary_responses, download
from service.queries.common import Page
from service.queries.nodes import (
    NodeDetail,
    NodePlan,
    NodePublic,
    my_open_nodes,
    node_attachment,
    node_detail,
    node_plan,
)

router = APIRouter(tags=["nodes"])
AttachmentName = Annotated[str, Path(max_length=40, description="上传时返回的 path 的文件名部分"), ONE_LINE]


@router.get("/nodes/mine")
def read_my_open_nodes(
    session: SessionDep,
    actor: CurrentActor,
    now: ClockDep,
    programme_id: OptionalId = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> Page[NodePublic]:
    """待我处理的节点，截止日期最近的在前：社工机构待提交、社区待确认、区民政局待审核；市、街道看辖区内全部未完成节点。"""
    return my_open_nodes(
        session, actor=actor, programme_id=programme_id, today=shanghai_date(now), page=page, page_size=page_size
    )


@router.get("/nodes/{node_id}")
def read_node(session: SessionDep, actor: CurrentActor, now: ClockDep, node_id: EntityId) -> NodeDetail:
    return node_detail(session, actor=actor, node_id=node_id, today=shanghai_date(now), now=now)


@router.post("/nodes/{node_id}/attachments", status_code=status.HTTP_201_CREATED, responses=problem_responses(413, 415))
def upload_attachment(
    session: SessionDep,
    settings: SettingsDep,
    actor: CurrentActor,
    node_id: EntityId,
    file: UploadFile,
) -> AttachmentStored:
    """上传节点报告附件（PDF、图片、Word、Excel）；提交报告时在 payload.attachments 中引用返回的 path。"""
    upload = Upload(file.filename or "attachment", file.file)
    return attach_to_node(session, node_id=node_id, file=upload, actor=actor, files_dir=settings.files_dir)


@router.get(
    "/nodes/{node_id}/attachments/{name}",
    response_class=Response,
    responses=binary_responses(*sorted(set(MEDIA_TYPES.values()) - {MEDIA_TYPES[".ics"]})),
)
def download_attachment(
    session: SessionDep, settings: SettingsDep, actor: CurrentActor, node_id: EntityId, name: AttachmentName
) -> Response:
    """下载节点报告附件；能看到该节点的人才能下载，其他人得到 404。"""
    path, filename = node_attachment(session, actor=actor, node_id=node_id, name=name, files_dir=settings.files_dir)
    return download(path.read_bytes(), filename=filename)


@router.post("/nodes/{node_id}/extension")
def extend(
    session: SessionDep, now: ClockDep, actor: CurrentActor, node_id: EntityId, data: NodeExtension
) -> NodeDetail:
    """批准节点延期（须写明理由，记入审计）；已发出的督办不会重发，之后的督办从新的截止日期起算。"""
    return extend_node(session, node_id=node_id, data=data, actor=actor, now=now)


@router.get("/programmes/{programme_id}/node-plan", tags=["programmes"])
def read_node_plan(session: SessionDep, actor: CurrentActor, programme_id: EntityId) -> NodePlan:
    """每个项目启动实施时将排定的节点及截止日期（按当前载入的工作日历预先计算，尚未启动的批次也可查看）。"""
    return node_plan(session, programme_id=programme_id)
