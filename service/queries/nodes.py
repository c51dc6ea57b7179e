"""Reading a project's dated nodes and the versions of each node report, within the actor's scope."""

from datetime import date, datetime

from pydantic import BaseModel
from sqlmodel import Session, select

from models.errors import OutOfScope
from models.lifecycles import NODE
from models.node import Node, NodeReportVersion
from models.roles import Actor, Role
from models.scope import can_see
from service.queries.common import StateView, state_view
from service.queries.projects import get_project

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


def _public(node: Node, actor: Actor, today: date) -> NodePublic:
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
        **state_view(NODE, node, actor),
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


def node_detail(session: Session, *, actor: Actor, node_id: int, today: date) -> NodeDetail:
    node = get_node(session, actor=actor, node_id=node_id)
    versions = session.exec(
        select(NodeReportVersion).where(NodeReportVersion.node_id == node.id).order_by(NodeReportVersion.number)  # type: ignore[arg-type]
    ).all()
    return NodeDetail(
        **_public(node, actor, today).model_dump(),
        versions=[ReportVersionPublic.model_validate(v, from_attributes=True) for v in versions],
    )
