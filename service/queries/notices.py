"""Notices in the outbox as the coordinator reads them: who, what, its delivery state and why it failed;
filtered by project, node and template, paged with a total."""

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from models.errors import OutOfScope
from models.node import Node
from models.outbox import OutboxMessage, OutboxStatus
from models.review import ReviewAssignment
from service.queries.common import Page

MAX_NOTICES = 500


class NoticePublic(BaseModel):
    id: int
    template: str
    entity_type: str
    entity_id: int
    recipient_party: str
    recipient_name: str
    recipient_address: str | None
    message_id: str
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class NoticeFilter:
    """Which notices a list shows; a project's are its own, its nodes' and its review assignments'."""

    status: OutboxStatus
    project_id: int | None = None
    node_id: int | None = None
    templates: tuple[str, ...] = ()


def _where(notices: NoticeFilter) -> list[ColumnElement[bool]]:
    entity_type, entity_id = col(OutboxMessage.entity_type), col(OutboxMessage.entity_id)
    found = [col(OutboxMessage.status) == notices.status]
    if notices.project_id is not None:
        nodes = select(Node.id).where(Node.project_id == notices.project_id)
        assignments = select(ReviewAssignment.id).where(ReviewAssignment.project_id == notices.project_id)
        found.append(
            or_(
                and_(entity_type == "project", entity_id == notices.project_id),
                and_(entity_type == "node", entity_id.in_(nodes)),
                and_(entity_type == "review_assignment", entity_id.in_(assignments)),
            )
        )
    if notices.node_id is not None:
        found.append(and_(entity_type == "node", entity_id == notices.node_id))
    if notices.templates:
        found.append(col(OutboxMessage.template).in_(notices.templates))
    return found


def list_notices(session: Session, *, notices: NoticeFilter, page: int, page_size: int) -> Page[NoticePublic]:
    """The newest first; a failure says why in `last_error` (no address, 550, attempts spent…)."""
    where = _where(notices)
    total = session.exec(select(func.count()).select_from(OutboxMessage).where(*where)).one()
    rows = session.exec(
        select(OutboxMessage)
        .where(*where)
        .order_by(col(OutboxMessage.created_at).desc(), col(OutboxMessage.id).desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    items = [NoticePublic.model_validate(row, from_attributes=True) for row in rows]
    return Page[NoticePublic](items=items, total=total, page=page, page_size=page_size)


def get_notice(session: Session, *, notice_id: int) -> OutboxMessage:
    notice = session.get(OutboxMessage, notice_id)
    if notice is None:
        raise OutOfScope("通知不存在")
    return notice
