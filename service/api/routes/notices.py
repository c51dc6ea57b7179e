"""Notices in the outbox for the coordinator: failures with their reason, sent again once the cause is fixed."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from models.outbox import OutboxStatus
from models.roles import Actor, Role
from service.api.deps import ClockDep, CurrentActor, SessionDep, require_roles
from service.api.params import EntityId, OptionalId, PageNumber, QueryWord
from service.commands.notices import requeue_notice
from service.queries.notices import MAX_NOTICES, NoticeFilter, NoticePublic, list_notices

router = APIRouter(prefix="/notices", tags=["notices"])
TOTAL_HEADER = "X-Total-Count"  # the body stays the list it always was; the total travels beside it
Coordinator = Annotated[Actor, Depends(require_roles(Role.CITY_COORDINATOR))]  # reads the outbox


@router.get("")
def read_notices(
    session: SessionDep,
    actor: Coordinator,
    response: Response,
    status: OutboxStatus = OutboxStatus.FAILED,
    project_id: OptionalId = None,
    node_id: OptionalId = None,
    template: Annotated[list[QueryWord] | None, Query(max_length=20, description="通知模板，如 node_overdue")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_NOTICES, description="每页条数")] = 100,
    page: PageNumber = 1,
) -> list[NoticePublic]:
    """本辖区的邮件通知（关于辖区内的项目、节点、评审任务与试点批次），最新的在前，
    可按项目（含其节点与评审任务）、节点和模板筛选；符合条件的总数见响应头 X-Total-Count。
    发送失败的通知在 last_error 中写明原因。"""
    notices = NoticeFilter(status=status, project_id=project_id, node_id=node_id, templates=tuple(template or ()))
    found = list_notices(session, actor=actor, notices=notices, page=page, page_size=limit)
    response.headers[TOTAL_HEADER] = str(found.total)
    return found.items


@router.post("/{notice_id}/requeue")
def requeue(session: SessionDep, now: ClockDep, actor: CurrentActor, notice_id: EntityId) -> NoticePublic:
    """把发送失败的通知重新放回发送队列（Message-ID 不变）；其他辖区的通知视为不存在。"""
    return requeue_notice(session, notice_id=notice_id, actor=actor, now=now)
