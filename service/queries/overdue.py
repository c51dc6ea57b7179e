"""The overdue node reports within the reader's scope: how many working days late, the highest rung reached and who
has been told and when (the escalation notices in the outbox), filtered by district, rung and programme."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any, NamedTuple

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, exists, func
from sqlmodel import Session, col, select

from models.errors import RoleNotAllowed
from models.escalation import EscalationClaim
from models.lifecycles import NODE
from models.node import Node
from models.outbox import OutboxMessage, OutboxStatus
from models.programme import Programme
from models.programme_spec import EscalationLadder
from models.project import Project
from models.region import Region
from models.roles import Actor
from schedules.calendar import WorkingCalendar
from schedules.calendar_store import calendar_from_db
from schedules.ladder import ladder_of, node_ladder
from schedules.rowsets import among_ids
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


def _ladder_labels(session: Session, programme_ids: set[int]) -> dict[int, Mapping[str, str]]:
    ladders = session.exec(
        select(Programme.id, Programme.spec).where(col(Programme.id).in_(programme_ids))  # type: ignore[call-overload]
    ).all()
    return {
        programme_id: _rung_labels(json.dumps(spec["escalation_ladder"], sort_keys=True))
        for programme_id, spec in ladders
    }


@lru_cache(maxsize=64)
def _rung_labels(ladder: str) -> Mapping[str, str]:
    """Each rung's zh-CN label, by code, of a ladder as its programme file writes it. Keyed by the ladder itself, so
    a reloaded programme with another ladder is another entry; the page no longer validates the whole programme."""
    rungs = ladder_of(EscalationLadder.model_validate_json(ladder)).rungs
    return MappingProxyType({rung.code: rung.label for rung in rungs})


class _Late(NamedTuple):
    """An overdue node as the list reads it, and the highest rung claimed for it (code, None before the first)."""

    node_id: int
    project_id: int
    project_title: str
    programme_id: int
    district: str | None
    title: str
    due_date: date
    rung_code: str | None


def overdue_nodes(
    session: Session, *, actor: Actor, today: date, filters: OverdueFilter, page: int, page_size: int
) -> Page[OverdueNode]:
    """The latest first (the earliest due date); each with what the escalation notices told and to whom.

    The total and the page's nodes with their rungs are read again only after a change (`cached_counts`: a node's
    state or dates, a project, a place and an escalation claim are each audited or claimed); who was told is read
    on every page, as a notice's sending writes neither."""
    where = _where(session, actor, today, filters)
    count = select(func.count()).select_from(Node).join(Project, col(Project.id) == Node.project_id).where(*where)
    key = (scope_key(actor), filters, today)
    total = cached(session, ("overdue", *key), lambda: session.exec(count).one())
    ordered = in_due_order(session, actor, where[0]), *where[1:]
    late = cached(
        session,
        ("overdue-page", *key, page, page_size),
        lambda: _late(session, _late_query(*ordered).offset((page - 1) * page_size).limit(page_size)),
    )
    return Page[OverdueNode](items=_described(session, late, today), total=total, page=page, page_size=page_size)


def all_overdue_nodes(session: Session, *, actor: Actor, today: date, filters: OverdueFilter) -> list[OverdueNode]:
    """Every matching node, in the list's order: what the .xlsx holds."""
    return _described(session, _late(session, _late_query(*_where(session, actor, today, filters))), today)


def _late_query(*where: ColumnElement[bool]) -> Select[Any]:
    return (
        select(  # type: ignore[call-overload]
            Node.id, Node.project_id, Project.title, Project.programme_id, Region.name, Node.title, Node.due_date
        )
        .join(Project, col(Project.id) == Node.project_id)
        .join(Region, col(Region.id) == Project.district_id, isouter=True)
        .where(*where)
        .order_by(col(Node.due_date), col(Node.id))
    )


def _late(session: Session, query: Select[Any]) -> list[_Late]:
    rows = session.exec(query).all()  # type: ignore[call-overload]
    claims: dict[int, tuple[int, str]] = {}
    for node_id, index, code in session.exec(
        select(EscalationClaim.entity_id, EscalationClaim.rung_index, EscalationClaim.rung_code).where(  # type: ignore[call-overload]
            EscalationClaim.entity_type == NODE.name,
            among_ids(session.get_bind().dialect.name, col(EscalationClaim.entity_id), [row[0] for row in rows]),
            col(EscalationClaim.skipped).is_(False),
        )
    ).all():
        if node_id not in claims or index > claims[node_id][0]:
            claims[node_id] = (index, code)
    return [_Late(*row, rung_code=claims.get(row[0], (0, None))[1]) for row in rows]


def _described(session: Session, late: list[_Late], today: date) -> list[OverdueNode]:
    ids = [row.node_id for row in late]
    told: dict[int, list[Told]] = {}
    notices = session.exec(
        select(OutboxMessage)
        .where(
            OutboxMessage.entity_type == NODE.name,
            among_ids(session.get_bind().dialect.name, col(OutboxMessage.entity_id), ids),
            col(OutboxMessage.dedupe_key).like("escalation:%"),
        )
        .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id))
    ).all()
    labels = _ladder_labels(session, {row.programme_id for row in late})
    ladder_of_node = {row.node_id: labels.get(row.programme_id, {}) for row in late}
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
    for row in late:
        ladder = labels.get(row.programme_id, {})
        node_told = told.get(row.node_id, [])
        found.append(
            OverdueNode(
                node_id=row.node_id,
                project_id=row.project_id,
                project_title=row.project_title,
                district=row.district or "（未设置区）",
                title=row.title,
                due_date=row.due_date,
                working_days_late=max(0, calendar.working_days_between(row.due_date, today)),
                rung_code=row.rung_code,
                rung_label=ladder.get(row.rung_code, row.rung_code) if row.rung_code else "尚未督办",
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
