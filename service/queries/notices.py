"""Notices in the outbox as the coordinator reads them: who, what, its delivery state and why it failed;
filtered by project, node and template, paged with a total.

A notice is seen by who sees what it is about (its entity): a project, one of its nodes or review assignments, or a
programme (its bulletins) whose region lies in the reader's. Another region's notice is not found.
"""

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, func, or_, true
from sqlmodel import Session, col, select

from models.errors import OutOfScope
from models.lifecycles import NODE, PROJECT, REVIEW_ASSIGNMENT
from models.node import Node
from models.outbox import OutboxMessage, OutboxStatus
from models.programme import Programme
from models.project import Project
from models.region import Region
from models.review import ReviewAssignment
from models.roles import Actor, Role
from schedules.bulletin import BULLETIN_ENTITY
from service.queries.common import Page
from service.queries.scope import visible_assignments, visible_nodes, visible_projects

MAX_NOTICES = 500
# Each kind of notice (its mail template, service/templates/mail/<kind>.j2) as the console names it.
NOTICE_KINDS = {
    "declaration_submitted": "申报待审",
    "declaration_withdrawn": "申报已撤回",
    "declaration_eligible": "资格审查通过",
    "declaration_ineligible": "资格审查未通过",
    "declaration_not_selected": "未入选",
    "project_selected": "项目入选",
    "project_contracted": "签订购买服务协议",
    "project_started": "项目启动实施",
    "project_suspended": "项目暂停实施",
    "project_resumed": "项目恢复实施",
    "project_rectification": "责令整改",
    "project_accepted": "验收通过",
    "project_failed": "验收不合格",
    "project_terminated": "项目终止",
    "project_terminated_for_fraud": "项目终止并列入黑名单",
    "node_reminder": "节点即将到期提醒",
    "node_overdue": "节点逾期通知",
    "node_rescheduled": "节点截止日期调整",
    "report_submitted": "节点报告待确认",
    "report_confirmed": "节点报告待审核",
    "report_returned": "节点报告退回修改",
    "report_approved": "节点报告审核通过",
    "report_waived": "节点报告免于提交",
    "review_assigned": "评审任务",
    "review_reminder": "评审即将到期提醒",
    "review_overdue": "评审逾期通知",
    "review_extended": "评审截止日期延后",
    "review_declined": "专家谢绝评审",
    "review_withdrawn": "评审任务已撤销",
    "bulletin_published": "进展通报已发布",
}


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
    """Which notices a list shows; a project's are its own, its nodes' and its review assignments'.

    `status` None: every status. `recipient`: a part of the recipient's name or address. `since` / `before`: when
    the notice was queued, from (inclusive) and up to (exclusive)."""

    status: OutboxStatus | None
    project_id: int | None = None
    node_id: int | None = None
    templates: tuple[str, ...] = ()
    recipient: str | None = None
    since: datetime | None = None
    before: datetime | None = None


def _where(notices: NoticeFilter) -> list[ColumnElement[bool]]:
    entity_type, entity_id = col(OutboxMessage.entity_type), col(OutboxMessage.entity_id)
    found: list[ColumnElement[bool]] = []
    if notices.status is not None:
        found.append(col(OutboxMessage.status) == notices.status)
    if notices.recipient:
        found.append(
            or_(
                col(OutboxMessage.recipient_name).contains(notices.recipient, autoescape=True),
                col(OutboxMessage.recipient_address).contains(notices.recipient, autoescape=True),
            )
        )
    if notices.since is not None:
        found.append(col(OutboxMessage.created_at) >= notices.since)
    if notices.before is not None:
        found.append(col(OutboxMessage.created_at) < notices.before)
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


def visible_notices(session: Session, actor: Actor) -> ColumnElement[bool]:
    """The notices whose entity the actor sees (`service.queries.scope`), as one predicate."""
    if actor.role is Role.ADMIN:
        return true()
    entity_type, entity_id = col(OutboxMessage.entity_type), col(OutboxMessage.entity_id)
    seen = {
        PROJECT.name: select(Project.id).where(visible_projects(session, actor)),
        NODE.name: select(Node.id).where(visible_nodes(session, actor)),
        REVIEW_ASSIGNMENT.name: select(ReviewAssignment.id).where(visible_assignments(session, actor)),
    }
    own = session.get(Region, actor.region_id) if actor.region_id is not None else None
    if own is not None:
        seen[BULLETIN_ENTITY] = (
            select(Programme.id)
            .join(Region, col(Region.id) == Programme.region_id)
            .where(col(Region.path).startswith(own.path))
        )
    return or_(*(and_(entity_type == kind, entity_id.in_(ids)) for kind, ids in seen.items()))


def list_notices(
    session: Session, *, actor: Actor, notices: NoticeFilter, page: int, page_size: int
) -> Page[NoticePublic]:
    """The newest first; a failure says why in `last_error` (no address, 550, attempts spent…)."""
    where = [visible_notices(session, actor), *_where(notices)]
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


def get_notice(session: Session, *, actor: Actor, notice_id: int) -> OutboxMessage:
    """The notice if it exists and is about what the actor sees; otherwise 'not found', whichever it is."""
    query = select(OutboxMessage).where(OutboxMessage.id == notice_id, visible_notices(session, actor))
    notice = session.exec(query).first()
    if notice is None:
        raise OutOfScope("通知不存在或不在您的管辖范围内")
    return notice
