"""Reading dated nodes within the actor's scope: a project's, the versions of a report, its files, what is due
for me, and a programme's plan before any project starts."""

from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, case, false, func, true
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
from schedules.rowsets import among_ids
from service.files import attachment_file
from service.queries.cached_counts import cached, scope_key
from service.queries.common import Page, StateView, state_view
from service.queries.projects import get_project
from service.queries.scope import visible_projects

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


def _project_scope(session: Session, actor: Actor) -> list[ColumnElement[bool]]:
    """`visible_nodes` as a predicate on the node's joined project row, which the planner joins instead of
    collecting every visible project's id first."""
    if actor.role is Role.EXPERT:
        return [false()]  # experts see declarations, not the later project's node reports
    return [visible_projects(session, actor)]


BROAD_SCOPES = frozenset({Role.ADMIN, Role.CITY_COORDINATOR, Role.DISTRICT_BUREAU, Role.STREET_OFFICE})


def in_due_order(session: Session, actor: Actor, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """For a page of many nodes soonest due first, read by a reader of a street or wider on SQLite: the
    conditions as one plain filter, which no index answers.

    SQLite's planner takes the scope's list of regions (or a list of states) for selective, starts from it and
    sorts every node found, where walking the due-date index finds the page at once; for an organisation or a
    community the projects are the better start. PostgreSQL's planner chooses well by itself."""
    if actor.role not in BROAD_SCOPES or session.get_bind().dialect.name != "sqlite":
        return and_(*conditions)
    return case((and_(*conditions), true()), else_=false())


def my_open_nodes(
    session: Session, *, actor: Actor, programme_id: int | None, today: date, page: int, page_size: int
) -> Page[NodePublic]:
    """What waits for me, soonest due first: the organisation's to submit, the community's to confirm, the district's
    to approve; a role with no such step (coordinator, street office) watches every open node in its scope.

    The total and the page are read again only after a change (`cached_counts`: a node's state and dates are
    audited; its overdue mark is of the day)."""
    states = work_states(actor.role) or NODE.open

    @cache  # built once a call: the count and the page may both miss, and an organisation's ids are a query
    def query() -> tuple[Select[Any], ColumnElement[Any]]:
        """The open nodes, and the order soonest first that suits the planners for this reader."""
        if actor.role in BROAD_SCOPES:  # many projects: joined, their scope a predicate on the project row
            where = [col(Node.state).in_(states), *_project_scope(session, actor)]
            if programme_id is not None:
                where.append(col(Project.programme_id) == programme_id)
            if not work_states(actor.role):  # watching every open node of a wide area: many rows, few to show
                where = [in_due_order(session, actor, *where)]
            return select(Node).join(Project, col(Project.id) == Node.project_id).where(*where), col(Node.due_date)
        # An organisation's or a community's few projects: their nodes found by each project's index.
        dialect = session.get_bind().dialect.name
        projects = among_ids(dialect, col(Node.project_id), _few_projects(session, actor, programme_id))
        # The same order, as an expression no index holds: otherwise the planners walk every open node of the
        # city in due order, looking for these few projects' (tens of milliseconds at 100k projects).
        return select(Node).where(projects, col(Node.state).in_(states)), func.coalesce(Node.due_date, Node.due_date)

    def counted() -> int:
        return session.exec(select(func.count()).select_from(query()[0].subquery())).one()

    def page_items() -> list[NodePublic]:
        found, soonest = query()
        nodes = session.exec(found.order_by(soonest, col(Node.id)).offset((page - 1) * page_size).limit(page_size))
        return [_public(node, actor, today) for node in nodes.all()]

    key = (scope_key(actor), programme_id, states)
    total = cached(session, ("open-nodes", *key), counted)
    items = cached(session, ("open-nodes-page", *key, today, page, page_size), page_items)
    return Page[NodePublic](items=items, total=total, page=page, page_size=page_size)


def _few_projects(session: Session, actor: Actor, programme_id: int | None) -> list[int]:
    """The ids of the projects whose nodes `visible_nodes` lets the actor see, read first: as a list of ids the
    planners find the nodes by each project's index, where from a subquery they scan every open node. The list is
    bound as one parameter (`among_ids`): hundreds of placeholders would be rewritten by the driver on every page."""
    if actor.role is Role.EXPERT:
        return []  # experts see declarations, not the later project's node reports
    query = select(Project.id).where(visible_projects(session, actor))
    if programme_id is not None:
        query = query.where(Project.programme_id == programme_id)
    return [project_id for project_id in session.exec(query).all() if project_id is not None]


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
