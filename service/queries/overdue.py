"""The overdue node reports within the reader's scope: how many working days late, the highest rung reached and who
has been told and when (the escalation notices in the outbox), filtered by district, rung and programme."""

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import ColumnElement, exists, func
from sqlmodel import Session, col, select

from models.errors import RoleNotAllowed
from models.escalation import EscalationClaim
from models.lifecycles import NODE
from models.node import Node
from models.outbox import OutboxMessage, OutboxStatus
from models.programme import Programme
from models.project import Project
from models.region import Region
from models.roles import Actor
from schedules.calendar import WorkingCalendar
from schedules.calendar_store import calendar_from_db
from schedules.ladder import node_ladder
from service.queries.bulletins import programme_in_scope
from service.queries.cached_counts import cached, scope_key
from service.queries.common import Page
from service.queries.dashboard import DASHBOARD_READERS
from service.queries.nodes import in_due_order
from service.queries.scope import visible_projects

STATUS_LABELS_ZH = {OutboxStatus.PENDING: "待发送", OutboxStatus.SENT: "已发送", OutboxStatus.FAILED: "发送失败"}
EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("node_id", "节点编号"),
    ("project_title", "项目"),
    ("district", "区"),
    ("title", "节点"),
    ("due_date", "截止日期"),
    ("working_days_late", "逾期（工作日）"),
    ("rung_label", "督办级别"),
    ("told_text", "已通知"),
]


@dataclass(frozen=True)
class OverdueFilter:
    district_id: int | None = None
    rung_code: str | None = None  # nodes that have reached this rung
    programme_id: int | None = None


class Told(BaseModel):
    rung_code: str
    rung_label: str
    recipient_name: str
    status: OutboxStatus
    status_label: str
    at: datetime  # when sent, or when queued while not yet sent


class OverdueNode(BaseModel):
    node_id: int
    project_id: int
    project_title: str
    district: str
    title: str
    due_date: date
    working_days_late: int
    rung_code: str | None
    rung_label: str  # 尚未督办 when no rung has been told
    told: list[Told]
    told_text: str  # the same, in one cell of a spreadsheet


class RungChoice(BaseModel):
    code: str
    label: str


class OverdueChoices(BaseModel):
    districts: list[tuple[int, str]]
    rungs: list[RungChoice]
    programmes: list[tuple[int, str]]


def _check_reader(actor: Actor) -> None:
    if actor.role not in DASHBOARD_READERS:
        raise RoleNotAllowed("只有市、区民政局和街道办事处可以查看逾期节点")


def _where(session: Session, actor: Actor, today: date, filters: OverdueFilter) -> list[ColumnElement[bool]]:
    _check_reader(actor)
    where = [
        visible_projects(session, actor),  # on the joined project row: the readers here see their projects' nodes
        ~col(Node.state).in_(NODE.terminal),
        col(Node.due_date) < today,
    ]
    if filters.district_id is not None:
        where.append(col(Project.district_id) == filters.district_id)
    if filters.programme_id is not None:
        where.append(col(Project.programme_id) == filters.programme_id)
    if filters.rung_code:
        where.append(
            exists().where(
                col(EscalationClaim.entity_type) == NODE.name,
                col(EscalationClaim.entity_id) == Node.id,
                col(EscalationClaim.rung_code) == filters.rung_code,
                col(EscalationClaim.skipped).is_(False),
            )
        )
    return where


_calendars: list[WorkingCalendar] = []  # the last calendar built, with the year tables it has built since


def _calendar(session: Session) -> WorkingCalendar:
    """The loaded calendar, its year tables kept from one request to the next while the overrides stay the same."""
    fresh = calendar_from_db(session)
    known = _calendars[0] if _calendars else None
    if known is not None and known == fresh:
        return known
    _calendars[:] = [fresh]
    return fresh


def _ladder_labels(session: Session, programme_ids: set[int]) -> dict[int, dict[str, str]]:
    programmes = session.exec(select(Programme).where(col(Programme.id).in_(programme_ids))).all()
    return {p.id: {r.code: r.label for r in node_ladder(p.parsed_spec()).rungs} for p in programmes if p.id}


def overdue_nodes(
    session: Session, *, actor: Actor, today: date, filters: OverdueFilter, page: int, page_size: int
) -> Page[OverdueNode]:
    """The latest first (the earliest due date); each with what the escalation notices told and to whom."""
    where = _where(session, actor, today, filters)
    count = select(func.count()).select_from(Node).join(Project, col(Project.id) == Node.project_id).where(*where)
    total = cached(session, ("overdue", scope_key(actor), filters, today), lambda: session.exec(count).one())
    rows = session.exec(
        select(Node, Project.title, Project.programme_id, Region.name)  # type: ignore[call-overload]
        .join(Project, col(Project.id) == Node.project_id)
        .join(Region, col(Region.id) == Project.district_id, isouter=True)
        .where(in_due_order(session, actor, where[0]), *where[1:])
        .order_by(col(Node.due_date), col(Node.id))
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return Page[OverdueNode](items=_described(session, rows, today), total=total, page=page, page_size=page_size)


def all_overdue_nodes(session: Session, *, actor: Actor, today: date, filters: OverdueFilter) -> list[OverdueNode]:
    """Every matching node, in the list's order: what the .xlsx holds."""
    where = _where(session, actor, today, filters)
    rows = session.exec(
        select(Node, Project.title, Project.programme_id, Region.name)  # type: ignore[call-overload]
        .join(Project, col(Project.id) == Node.project_id)
        .join(Region, col(Region.id) == Project.district_id, isouter=True)
        .where(*where)
        .order_by(col(Node.due_date), col(Node.id))
    ).all()
    return _described(session, rows, today)


def _described(session: Session, rows: list[tuple[Node, str, int, str | None]], today: date) -> list[OverdueNode]:
    ids = [node.id for node, *_ in rows]
    claims: dict[int, tuple[int, str]] = {}
    for node_id, index, code in session.exec(
        select(EscalationClaim.entity_id, EscalationClaim.rung_index, EscalationClaim.rung_code).where(  # type: ignore[call-overload]
            EscalationClaim.entity_type == NODE.name,
            col(EscalationClaim.entity_id).in_(ids),
            col(EscalationClaim.skipped).is_(False),
        )
    ).all():
        if node_id not in claims or index > claims[node_id][0]:
            claims[node_id] = (index, code)
    told: dict[int, list[Told]] = {}
    notices = session.exec(
        select(OutboxMessage)
        .where(
            OutboxMessage.entity_type == NODE.name,
            col(OutboxMessage.entity_id).in_(ids),
            col(OutboxMessage.dedupe_key).like("escalation:%"),
        )
        .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id))
    ).all()
    labels = _ladder_labels(session, {programme_id for _, _, programme_id, _ in rows})
    ladder_of_node = {node.id: labels.get(programme_id, {}) for node, _, programme_id, _ in rows}
    for notice in notices:
        key = (notice.dedupe_key or "").split(":")  # escalation:node:<id>:<rung>:<party>
        code = key[3] if len(key) > 3 else ""
        told.setdefault(notice.entity_id, []).append(
            Told(
                rung_code=code,
                rung_label=ladder_of_node.get(notice.entity_id, {}).get(code, code),
                recipient_name=notice.recipient_name,
                status=notice.status,
                status_label=STATUS_LABELS_ZH[notice.status],
                at=notice.sent_at or notice.created_at,
            )
        )
    calendar = _calendar(session)
    found = []
    for node, project_title, programme_id, district in rows:
        assert node.id is not None
        code = claims.get(node.id, (0, None))[1]
        ladder = labels.get(programme_id, {})
        node_told = told.get(node.id, [])
        found.append(
            OverdueNode(
                node_id=node.id,
                project_id=node.project_id,
                project_title=project_title,
                district=district or "（未设置区）",
                title=node.title,
                due_date=node.due_date,
                working_days_late=max(0, calendar.working_days_between(node.due_date, today)),
                rung_code=code,
                rung_label=ladder.get(code, code) if code else "尚未督办",
                told=node_told,
                told_text="；".join(f"{t.recipient_name}（{t.rung_label}，{t.status_label}）" for t in node_told),
            )
        )
    return found


def overdue_choices(session: Session, *, actor: Actor, today: date) -> OverdueChoices:
    """What the filters offer: the districts with overdue nodes in scope, the rungs and programmes in scope; worked
    out again only after a change (`cached_counts`)."""
    _check_reader(actor)
    key = ("overdue-choices", scope_key(actor), today)
    return cached(session, key, lambda: _overdue_choices(session, actor, today))


def _overdue_choices(session: Session, actor: Actor, today: date) -> OverdueChoices:
    districts = session.exec(
        select(Region.id, Region.name)  # type: ignore[call-overload]
        .where(
            col(Region.id).in_(
                select(Project.district_id)
                .join(Node, col(Node.project_id) == Project.id)
                .where(*_where(session, actor, today, OverdueFilter()))
            )
        )
        .order_by(Region.name)
    ).all()
    programmes = [
        p
        for p in session.exec(select(Programme).order_by(Programme.code)).all()
        if programme_in_scope(session, actor, p)
    ]
    rungs: dict[str, str] = {}
    for programme in programmes:
        for rung in node_ladder(programme.parsed_spec()).rungs:
            rungs.setdefault(rung.code, rung.label)
    return OverdueChoices(
        districts=[(d, name) for d, name in districts],
        rungs=[RungChoice(code=c, label=label) for c, label in rungs.items()],
        programmes=[(p.id, p.name) for p in programmes if p.id is not None],
    )
