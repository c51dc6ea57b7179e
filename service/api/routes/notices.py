"""Notices in the outbox for the coordinator: failures with their reason, sent again once the cause is fixed."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from models.outbox import OutboxStatus
from models.roles import Actor, Role
from service.api.deps import ClockDep, CurrentActor, SessionDep, require_roles
from service.api.params import EntityId
from service.commands.notices import requeue_notice
from service.queries.notices import MAX_NOTICES, NoticePublic, list_notices

router = APIRouter(prefix="/notices", tags=["notices"])
Coordinator = Annotated[Actor, Depends(require_roles(Role.CITY_COORDINATOR))]  # reads the outbox


@router.get("")
def read_notices(
    session: SessionDep,
    actor: Coordinator,
    status: OutboxStatus = OutboxStatus.FAILED,
    limit: Annotated[int, Query(ge=1, le=MAX_NOTICES, description="最多返回条数")] = 100,
) -> list[NoticePublic]:
    """邮件通知，最新的在前；发送失败的通知在 last_error 中写明原因。"""
    return list_notices(session, status=status, limit=limit)


@router.post("/{notice_id}/requeue")
def requeue(session: SessionDep, now: ClockDep, actor: CurrentActor, notice_id: EntityId) -> NoticePublic:
    """把发送失败的通知重新放回发送队列（Message-ID 不变）。"""
    return requeue_notice(session, notice_id=notice_id, actor=actor, now=now)
