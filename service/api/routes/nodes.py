"""Node reports: the detail with every submitted version, and attachments uploaded before submitting."""

from fastapi import APIRouter, UploadFile, status

from models.dates import shanghai_date
from service.api.deps import ClockDep, CurrentActor, SessionDep, SettingsDep
from service.api.params import EntityId
from service.api.problems import problem_responses
from service.commands.extensions import NodeExtension, extend_node
from service.commands.uploads import AttachmentStored, Upload, attach_to_node
from service.queries.nodes import NodeDetail, node_detail

router = APIRouter(prefix="/nodes", tags=["nodes"])


@router.get("/{node_id}")
def read_node(session: SessionDep, actor: CurrentActor, now: ClockDep, node_id: EntityId) -> NodeDetail:
    return node_detail(session, actor=actor, node_id=node_id, today=shanghai_date(now))


@router.post("/{node_id}/attachments", status_code=status.HTTP_201_CREATED, responses=problem_responses(413, 415))
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


@router.post("/{node_id}/extension")
def extend(
    session: SessionDep, now: ClockDep, actor: CurrentActor, node_id: EntityId, data: NodeExtension
) -> NodeDetail:
    """批准节点延期（须写明理由，记入审计）；已发出的督办不会重发，之后的督办从新的截止日期起算。"""
    return extend_node(session, node_id=node_id, data=data, actor=actor, now=now)
