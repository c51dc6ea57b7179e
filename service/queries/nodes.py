"""Reading dated nodes within the actor's scope: a project's, the versions of a report, its files, what is due
for me, and a programme's plan before any project starts."""

from datetime import date, datetime
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from models.errors import OutOfScope
from models.lifecycles import NODE
from models.node import Node, NodeReportVersion
from models.programme import Programme
from models.project import Project
from models.roles import Actor, Role
from models.scope import can_see
from schedules.calendar_store import calendar_from_db
from schedules.planning import PlannedNode, plan_nodes
from service.files import attachment_file
from service.queries.common import Page, StateView, state_view
from service.queries.projects import get_project
from service.queries.scope import visible_nodes

EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("id", "编号"),
    ("title", "节点"),
    ("due_date", "截止日期"),
    ("state_label", "状态"),
    ("overdue", "已逾期"),
]


class NodePublic(StateView):
    id: int
    project_id: int
    kind: str
    sequence: int
    title: str
    due_date: date
    planned_from: str
    provisional: bool
    overdue: bool


class ReportVersionPublic(BaseModel):
    number: int
    summary: str
    attachments: list[str]
    submitted_at: datetime
    submitted_by: str
    community_opinion: str | None
    review_comment: str | None


class NodeDetail(NodePublic):
    versions: list[ReportVersionPublic]


def _public(node: Node, actor: Actor, today: date, now: datetime | None = None) -> NodePublic:
    assert node.id is not None
    return NodePublic(
        id=node.id,
        project_id=node.project_id,
        kind=node.kind,
        sequence=node.sequence,
        title=node.title,
        due_date=node.due_date,
        planned_from=node.planned_from,
        provisional=node.provisional,
        overdue=node.state not in NODE.group("closed") and node.due_date < today,
        **state_view(NODE, node, actor, now=now),
    )


def get_node(session: Session, *, actor: Actor, node_id: int) -> Node:
    node = session.get(Node, node_id)
    if node is None or not can_see(session, actor, node):
        raise OutOfScope("节点报告不存在或不在您的管辖范围内")
    return node


def project_nodes(session: Session, *, actor: Actor, project_id: int, today: date) -> list[NodePublic]:
    """The nodes of one project in due order; experts, who see declarations only, get 'not found'."""
    project = get_project(session, actor=actor, project_id=project_id)
    if actor.role is Role.EXPERT:  # as in can_see: experts see declarations, not node reports
        raise OutOfScope("项目不存在或不在您的管辖范围内")
    nodes = session.exec(
        select(Node).where(Node.project_id == project.id).order_by(Node.due_date, Node.id)  # type: ignore[arg-type]
    ).all()
    return [_public(node, actor, today) for node in nodes]


def node_detail(
    session: Session, *, actor: Actor, node_id: int, today: date, now: datetime | None = None
) -> NodeDetail:
    """The node with every version; given `now`, its actions say whether they are possible now and why not."""
    node = get_node(session, actor=actor, node_id=node_id)
    versions = session.exec(
        select(NodeReportVersion).where(NodeReportVersion.node_id == node.id).order_by(NodeReportVersion.number)  # type: ignore[arg-type]
    ).all()
    return NodeDetail(
        **_public(node, actor, today, now).model_dump(),
        versions=[ReportVersionPublic.model_validate(v, from_attributes=True) for v in versions],
    )


def node_attachment(session: Session, *, actor: Actor, node_id: int, name: str, files_dir: Path) -> tuple[Path, str]:
    """A file kept for this node, seen exactly by who sees the node; the name offered is the node's title."""
    node = get_node(session, actor=actor, node_id=node_id)
    path = attachment_file(files_dir, node_id=node_id, name=name)
    if path is None:
        raise OutOfScope("附件不存在")
    return path, f"{node.title}-{name}"


def work_states(role: Role) -> frozenset[str]:
    """The states in which a node waits for this role: those its ordinary (reason-free, state-changing) events leave."""
    return frozenset(
        source
        for event in NODE.events
        if role in event.roles and event.target is not None and not event.needs_reason
        for source in event.sources
    )


def my_open_nodes(
    session: Session, *, actor: Actor, programme_id: int | None, today: date, page: int, page_size: int
) -> Page[NodePublic]:
    """What waits for me, soonest due first: the organisation's to submit, the community's to confirm, the district's
    to approve; a role with no such step (coordinator, street office) watches every open node in its scope."""
    states = work_states(actor.role) or NODE.open
    query = select(Node).where(visible_nodes(session, actor), col(Node.state).in_(states))
    if programme_id is not None:
        query = query.where(col(Node.project_id).in_(select(Project.id).where(Project.programme_id == programme_id)))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    nodes = session.exec(
        query.order_by(col(Node.due_date), col(Node.id)).offset((page - 1) * page_size).limit(page_size)
    ).all()
    return Page[NodePublic](
        items=[_public(node, actor, today) for node in nodes], total=total, page=page, page_size=page_size
    )


class NodePlan(BaseModel):
    programme_id: int
    programme_code: str
    items: list[PlannedNode]  # as `schedules.planning.plan_nodes` plans them


def node_plan(session: Session, *, programme_id: int) -> NodePlan:
    """The nodes every project of the programme will have, planned now on the loaded calendar as `start` would."""
    programme = session.get(Programme, programme_id)
    if programme is None or programme.id is None:
        raise OutOfScope("试点批次不存在")
    planned = plan_nodes(programme.parsed_spec(), calendar_from_db(session))
    return NodePlan(
        programme_id=programme.id,
        programme_code=programme.code,
        items=planned,
    )
