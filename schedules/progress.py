"""Node completion per district (节点工作完成情况): what the sweep's artifact and the bulletin show."""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlmodel import Session

from models.audit import AuditEvent
from models.dates import shanghai_date
from models.lifecycles import NODE
from models.node import Node
from models.project import Project
from models.region import Region, RegionLevel
from schedules.calendar import WorkingCalendar

CLOSING_EVENTS = ("approve", "waive")


@dataclass
class DistrictCounts:
    """Nodes due by a day in one district: done (approved or waived) and still open (late)."""

    district: str
    due: int = 0
    done: int = 0
    late: int = 0


def districts_of_communities(session: Session, community_ids: set[int]) -> dict[int, str]:
    """Each community's district name (or its city's, where no district lies between)."""
    if not community_ids:
        return {}
    communities = session.execute(select(Region.id, Region.path).where(Region.id.in_(community_ids))).all()  # type: ignore[union-attr]
    chain = {int(x) for c in communities for x in c.path.strip("/").split("/") if x}
    levels = {
        r.id: r for r in session.execute(select(Region.id, Region.name, Region.level).where(Region.id.in_(chain))).all()
    }  # type: ignore[union-attr]
    names = {}
    for community in communities:
        ancestors = [levels[int(x)] for x in community.path.strip("/").split("/") if x and int(x) in levels]
        by_level = {a.level: a.name for a in ancestors}
        names[community.id] = by_level.get(RegionLevel.DISTRICT) or by_level.get(RegionLevel.CITY) or "（未设置区）"
    return names


def district_counts(session: Session, as_of: date) -> list[DistrictCounts]:
    """Due, done and late nodes per district on `as_of`, over every programme (one grouped query)."""
    closed = Node.state.in_(NODE.terminal)  # type: ignore[attr-defined]
    rows = session.execute(
        select(Project.community_id, closed.label("closed"), func.count())
        .join(Project, Project.id == Node.project_id)  # type: ignore[arg-type]
        .where(Node.due_date <= as_of)  # type: ignore[arg-type]
        .group_by(Project.community_id, closed)
    ).all()
    names = districts_of_communities(session, {r.community_id for r in rows})
    counts: dict[str, DistrictCounts] = {}
    for community_id, is_closed, n in rows:
        row = counts.setdefault(names[community_id], DistrictCounts(names[community_id]))
        row.due += n
        if is_closed:
            row.done += n
        else:
            row.late += n
    return sorted(counts.values(), key=lambda c: c.district)


@dataclass(frozen=True)
class NodeStanding:
    """One node of a bulletin: when it was due, when it closed, how many working days late."""

    node_id: int
    project_id: int
    project_title: str
    community_id: int
    district: str
    title: str
    due_date: date
    state: str
    closed_on: date | None
    working_days_late: int  # for an open node: as of the bulletin's day; for a closed one: at closing


@dataclass
class DistrictBulletin:
    district: str
    due: int = 0
    done_on_time: int = 0
    done_late: int = 0
    overdue: int = 0
    max_working_days_late: int = 0
    nodes: list[NodeStanding] = field(default_factory=list)


def node_standings(
    session: Session, programme_id: int, first: date, last: date, as_of: date, calendar: WorkingCalendar
) -> list[NodeStanding]:
    """The programme's nodes due in [first, last], each with its closing day."""
    rows = session.execute(
        select(
            Node.id,
            Node.project_id,
            Project.title.label("project_title"),
            Project.community_id,  # type: ignore[attr-defined]
            Node.title,
            Node.due_date,
            Node.state,
        )
        .join(Project, Project.id == Node.project_id)  # type: ignore[arg-type]
        .where(Project.programme_id == programme_id, Node.due_date >= first, Node.due_date <= last)  # type: ignore[arg-type, operator]
        .order_by(Node.due_date, Node.id)  # type: ignore[arg-type]
    ).all()
    closings: dict[int, datetime] = dict(
        session.execute(
            select(AuditEvent.entity_id, func.min(AuditEvent.at))
            .where(
                AuditEvent.entity_type == NODE.name,
                AuditEvent.event.in_(CLOSING_EVENTS),  # type: ignore[attr-defined]
                AuditEvent.entity_id.in_([r.id for r in rows]),
            )  # type: ignore[attr-defined]
            .group_by(AuditEvent.entity_id)
        ).all()
    )
    names = districts_of_communities(session, {r.community_id for r in rows})
    standings = []
    for r in rows:
        closed_on = shanghai_date(closings[r.id]) if r.id in closings and r.state in NODE.terminal else None
        until = closed_on if closed_on is not None else as_of
        standings.append(
            NodeStanding(
                r.id,
                r.project_id,
                r.project_title,
                r.community_id,
                names[r.community_id],
                r.title,
                r.due_date,
                r.state,
                closed_on,
                max(0, calendar.working_days_between(r.due_date, until)),
            )
        )
    return standings


def district_bulletins(standings: list[NodeStanding], as_of: date) -> list[DistrictBulletin]:
    """Per district: due, done on time, done late, overdue (open past due) with working days late."""
    bulletins: dict[str, DistrictBulletin] = {}
    for node in standings:
        b = bulletins.setdefault(node.district, DistrictBulletin(node.district))
        b.due += 1
        b.nodes.append(node)
        if node.closed_on is not None:
            if node.working_days_late == 0:
                b.done_on_time += 1
            else:
                b.done_late += 1
        elif node.due_date < as_of and node.working_days_late > 0:
            b.overdue += 1
            b.max_working_days_late = max(b.max_working_days_late, node.working_days_late)
    return sorted(bulletins.values(), key=lambda b: b.district)
