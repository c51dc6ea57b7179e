"""The programme dashboard within the reader's scope: projects by state, nodes due / done / late, the highest rung
reached, done against due month by month, and districts ranked by how many of their nodes are late."""

from datetime import date, datetime, time

from pydantic import BaseModel
from sqlalchemy import ColumnElement, case, func
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.dates import SHANGHAI
from models.errors import RoleNotAllowed
from models.escalation import EscalationClaim
from models.lifecycles import NODE, PROJECT
from models.node import Node
from models.programme import Programme
from models.project import Project
from models.region import Region
from models.roles import Actor, Role
from schedules.ladder import node_ladder
from schedules.progress import CLOSING_EVENTS
from service.queries.cached_counts import cached, scope_key
from service.queries.scope import visible_projects

DASHBOARD_READERS = (Role.CITY_COORDINATOR, Role.DISTRICT_BUREAU, Role.STREET_OFFICE, Role.ADMIN)


class StateCount(BaseModel):
    state: str
    label: str
    count: int


class HighestRung(BaseModel):
    code: str
    label: str
    nodes: int  # nodes of the reader's scope that reached this rung


class MonthPoint(BaseModel):
    month: date  # the first day of the month
    due: int  # nodes due by the month's end, cumulative
    done: int  # nodes closed (approved or waived) by the month's end, cumulative


class DistrictLateness(BaseModel):
    district_id: int | None
    district: str
    due: int
    done: int
    late: int


class Dashboard(BaseModel):
    today: date
    projects: int
    projects_by_state: list[StateCount]
    due: int
    done: int
    late: int
    highest_rung: HighestRung | None
    months: list[MonthPoint]
    districts: list[DistrictLateness]


def _month_end(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _months(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = _month_end(month)
    return months


def programme_dashboard(session: Session, *, actor: Actor, today: date, programme_id: int | None = None) -> Dashboard:
    """A few grouped statements over the projects the actor sees (a district bureau: its district only), computed
    again only when a state, a date or an escalation changed (`cached_counts`)."""
    if actor.role not in DASHBOARD_READERS:
        raise RoleNotAllowed("只有市、区民政局和街道办事处可以查看项目总览")
    return cached(
        session,
        ("dashboard", scope_key(actor), programme_id, today),
        lambda: _dashboard(session, actor=actor, today=today, programme_id=programme_id),
    )


def _dashboard(session: Session, *, actor: Actor, today: date, programme_id: int | None) -> Dashboard:
    """Every node aggregate reads node joined to its project, the scope a predicate on the project row (no IN list)."""
    scope = [visible_projects(session, actor, programme_id=programme_id)]
    if programme_id is not None:
        scope.append(col(Project.programme_id) == programme_id)
    states = session.exec(select(Project.state, func.count()).where(*scope).group_by(Project.state)).all()
    order = list(PROJECT.states)
    by_state = sorted(
        (StateCount(state=s, label=PROJECT.states.get(s, s), count=n) for s, n in states),
        key=lambda c: order.index(c.state) if c.state in order else len(order),
    )
    closed = col(Node.state).in_(NODE.terminal)
    due = col(Node.due_date) <= today
    late = (~closed) & (col(Node.due_date) < today)
    district_rows = session.exec(
        select(  # type: ignore[call-overload]
            Project.district_id,
            func.sum(case((due, 1), else_=0)),
            func.sum(case((due & closed, 1), else_=0)),
            func.sum(case((late, 1), else_=0)),
        )
        .select_from(Node)
        .join(Project, col(Project.id) == Node.project_id)
        .where(*scope)
        .group_by(Project.district_id)
    ).all()
    names = dict(
        session.exec(
            select(Region.id, Region.name).where(col(Region.id).in_([r[0] for r in district_rows if r[0]]))
        ).all()
    )
    districts = sorted(
        (
            DistrictLateness(
                district_id=d, district=names.get(d, "（未设置区）"), due=n_due or 0, done=n_done or 0, late=n_late or 0
            )
            for d, n_due, n_done, n_late in district_rows
        ),
        key=lambda r: (-r.late, -(r.due - r.done), r.district),
    )
    return Dashboard(
        today=today,
        projects=sum(c.count for c in by_state),
        projects_by_state=by_state,
        due=sum(r.due for r in districts),
        done=sum(r.done for r in districts),
        late=sum(r.late for r in districts),
        highest_rung=_highest_rung(session, scope),
        months=_done_against_due(session, scope, today),
        districts=districts,
    )


def _highest_rung(session: Session, scope: list[ColumnElement[bool]]) -> HighestRung | None:
    """The furthest rung any node in scope has been escalated to (a skipped rung told nobody, so it is not counted)."""
    claims = session.exec(
        select(EscalationClaim.rung_index, Project.programme_id, EscalationClaim.rung_code, func.count())  # type: ignore[call-overload]
        .join(Node, col(Node.id) == EscalationClaim.entity_id)
        .join(Project, col(Project.id) == Node.project_id)
        .where(EscalationClaim.entity_type == NODE.name, col(EscalationClaim.skipped).is_(False), *scope)
        .group_by(EscalationClaim.rung_index, Project.programme_id, EscalationClaim.rung_code)
        .order_by(col(EscalationClaim.rung_index).desc(), Project.programme_id)
    ).all()
    if not claims:
        return None
    index, programme_id, code, _ = claims[0]
    nodes = sum(n for i, _, c, n in claims if i == index and c == code)
    programme = session.get(Programme, programme_id)
    labels = {r.code: r.label for r in node_ladder(programme.parsed_spec()).rungs} if programme else {}
    return HighestRung(code=code, label=labels.get(code, code), nodes=nodes)


def _done_against_due(session: Session, scope: list[ColumnElement[bool]], today: date) -> list[MonthPoint]:
    """Cumulative nodes due and nodes closed, month by month, from the first due month to this month or the last;
    the closings counted in SQL, one column per month's end (Asia/Shanghai midnight), none loaded one by one."""
    due_days = session.exec(
        select(Node.due_date, func.count())  # type: ignore[call-overload]
        .join(Project, col(Project.id) == Node.project_id)
        .where(*scope)
        .group_by(Node.due_date)
    ).all()
    if not due_days:
        return []
    months = _months(min(d for d, _ in due_days), max(today, max(d for d, _ in due_days)))
    first_closing = (
        select(func.min(AuditEvent.at).label("at"))
        .join(Node, col(Node.id) == AuditEvent.entity_id)
        .join(Project, col(Project.id) == Node.project_id)
        .where(
            AuditEvent.entity_type == NODE.name,
            col(AuditEvent.event).in_(CLOSING_EVENTS),
            col(Node.state).in_(NODE.terminal),
            *scope,
        )
        .group_by(AuditEvent.entity_id)
        .subquery()
    )
    ends = [datetime.combine(_month_end(month), time(0), tzinfo=SHANGHAI) for month in months]
    closed = session.exec(
        select(*[func.coalesce(func.sum(case((first_closing.c.at < end, 1), else_=0)), 0) for end in ends])  # type: ignore[call-overload]
    ).one()
    return [
        MonthPoint(
            month=month,
            due=sum(n for d, n in due_days if d < _month_end(month)),
            done=int(done),
        )
        for month, done in zip(months, closed, strict=True)
    ]
