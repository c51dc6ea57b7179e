"""Moving the due dates of open nodes: a changed programme date, a suspension, an official calendar year,
an extension. Done nodes stay; each move is audited with its reason; rungs already sent are not sent again;
the organisation is told of every move in the same transaction (`tell_organisations`).

(Kept apart from `schedules.planning`, which plans a project from scratch: this module moves nodes already planned.)
"""

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from models.audit import AuditEvent, record_audit
from models.errors import StaleVersion
from models.escalation import EscalationClaim
from models.lifecycles import NODE, PROJECT
from models.node import Node
from models.notices import event_key, moves_digest_key, outbox_row, queue_rows
from models.parties import Party
from models.programme import Programme
from models.project import Project
from models.recipients import project_recipient
from models.roles import Actor
from schedules.calendar import WorkingCalendar
from schedules.calendar_store import OfficialYear, calendar_from_db, read_official_year, store_official_year
from schedules.ladder import Ladder, node_ladder
from schedules.planning import plan_nodes

REPLANNED_PROJECT_STATES = PROJECT.phase("planned")
EXTENDED_BY = "extended_working_days"  # in the audit details of an `extend`: how far the extension moved the node
SHIFTED_BY = "shift_working_days"  # in the audit details of a resume's `replan`: the working days lost
RESCHEDULED_TEMPLATE = "node_rescheduled"  # the organisation hears of every move of its nodes' due dates


@dataclass(frozen=True)
class NodeMove:
    node_id: int
    project_id: int
    title: str
    from_due: date
    to_due: date
    provisional: bool


def move_node(
    session: Session,
    node: Node,
    *,
    to_due: date,
    provisional: bool,
    calendar: WorkingCalendar,
    ladder: Ladder,
    actor: Actor,
    now: datetime,
    reason: str,
    shifted_by: int | None = None,
) -> NodeMove | None:
    """Re-plan one open node to a new due date, audited as `replan`; None when nothing changes."""
    if node.due_date == to_due and node.provisional == provisional:
        return None
    version, from_due = node.version, node.due_date
    values = rescheduled(session, node, to_due=to_due, provisional=provisional, calendar=calendar, ladder=ladder)
    with session.begin_nested():
        moved = session.execute(
            update(Node)
            .where(Node.id == node.id, Node.version == version)  # type: ignore[arg-type]
            .values(**values, version=version + 1)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleVersion("节点报告刚被他人修改，请刷新后重试")
        session.refresh(node)
        record_audit(
            session,
            entity_type=NODE.name,
            entity=node,
            event="replan",
            from_state=node.state,
            actor=actor,
            now=now,
            reason=reason,
            details=move_details(from_due, values, ladder) | ({SHIFTED_BY: shifted_by} if shifted_by else {}),
        )
        session.flush()
    assert node.id is not None
    return NodeMove(node.id, node.project_id, node.title, from_due, to_due, provisional)


def rescheduled(
    session: Session, node: Node, *, to_due: date, provisional: bool, calendar: WorkingCalendar, ladder: Ladder
) -> dict[str, Any]:
    """The columns a new due date sets: the next rung is the first not yet sent, counted from the new date."""
    claimed = set(
        session.execute(
            select(EscalationClaim.rung_code).where(
                EscalationClaim.entity_type == NODE.name, EscalationClaim.entity_id == node.id
            )
        ).scalars()
    )
    next_index, next_day = ladder.first_unclaimed(claimed, to_due, calendar)
    return {"due_date": to_due, "provisional": provisional, "next_rung_index": next_index, "next_rung_on": next_day}


def move_details(from_due: date, values: dict[str, Any], ladder: Ladder) -> dict[str, Any]:
    """What the audit row of a move says: the dates and the rung that comes next."""
    next_index = values["next_rung_index"]
    return {
        "from_due": from_due.isoformat(),
        "to_due": values["due_date"].isoformat(),
        "provisional": values["provisional"],
        "next_rung": ladder.rungs[next_index].code if next_index is not None else None,
    }


def open_nodes(session: Session, project_ids: list[int], *, only_provisional: bool = False) -> list[Node]:
    query = select(Node).where(
        Node.project_id.in_(project_ids),  # type: ignore[attr-defined]
        Node.state.in_(NODE.open),  # type: ignore[attr-defined]
    )
    if only_provisional:
        query = query.where(Node.provisional.is_(True))  # type: ignore[attr-defined]
    return list(session.execute(query.order_by(Node.id)).scalars())  # type: ignore[arg-type]


def replan_project(
    session: Session,
    project: Project,
    *,
    calendar: WorkingCalendar,
    actor: Actor,
    now: datetime,
    reason: str,
    only_provisional: bool = False,
) -> list[NodeMove]:
    """Plan the project's open nodes again from the programme's dates and the calendar as it is now.

    Each node's own extensions and suspension shifts, read from its audit trail, are replayed on the new plan.
    """
    programme = session.get(Programme, project.programme_id)
    assert programme is not None and project.id is not None
    spec = programme.parsed_spec()
    planned = {(n.kind, n.sequence): n for n in plan_nodes(spec, calendar)}
    nodes = [
        node
        for node in open_nodes(session, [project.id], only_provisional=only_provisional)
        if (node.kind, node.sequence) in planned
    ]
    history = moves_of(session, [node.id for node in nodes if node.id is not None])
    targets: list[tuple[Node, date, bool]] = []
    for node in nodes:
        plan = planned[(node.kind, node.sequence)]
        to_due = replayed(plan.due_date, history.get(node.id or 0, []), calendar)
        targets.append((node, to_due, plan.provisional or calendar.plan_is_provisional(to_due)))
    return _move_nodes(
        session, targets, calendar=calendar, ladder=node_ladder(spec), actor=actor, now=now, reason=reason
    )


def moves_of(session: Session, node_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The audit details of each node's extensions and suspension shifts, oldest first."""
    rows = session.execute(
        select(AuditEvent.entity_id, AuditEvent.event, AuditEvent.details)
        .where(
            AuditEvent.entity_type == NODE.name,
            AuditEvent.entity_id.in_(node_ids),  # type: ignore[attr-defined]
            AuditEvent.event.in_(("extend", "replan")),  # type: ignore[attr-defined]
        )
        .order_by(AuditEvent.at, AuditEvent.id)  # type: ignore[arg-type]
    ).all()
    history: dict[int, list[dict[str, Any]]] = {}
    for node_id, event, details in rows:
        if event == "extend" or SHIFTED_BY in details:
            history.setdefault(node_id, []).append(details)
    return history


def replayed(planned_due: date, moves: list[dict[str, Any]], calendar: WorkingCalendar) -> date:
    """A planned date moved again by the node's earlier extensions and shifts, each by its working days."""
    due = planned_due
    for details in moves:
        if SHIFTED_BY in details:
            due = calendar.add_working_days(due, details[SHIFTED_BY])
        else:
            working_days = details.get(EXTENDED_BY)
            if working_days is None:
                working_days = calendar.working_days_between(
                    date.fromisoformat(details["from_due"]), date.fromisoformat(details["to_due"])
                )
            due = calendar.add_working_days(due, working_days)
    return due


def replan_programme(
    session: Session, programme: Programme, *, actor: Actor, now: datetime, reason: str, only_provisional: bool = False
) -> list[NodeMove]:
    """After a programme date changed (or a calendar year became official): every live project's open nodes."""
    calendar = calendar_from_db(session)
    projects = session.execute(
        select(Project)
        .where(
            Project.programme_id == programme.id,
            Project.state.in_(REPLANNED_PROJECT_STATES),  # type: ignore[attr-defined]
        )
        .order_by(Project.id)  # type: ignore[arg-type]
    ).scalars()
    return [
        move
        for project in projects
        for move in replan_project(
            session, project, calendar=calendar, actor=actor, now=now, reason=reason, only_provisional=only_provisional
        )
    ]


def shift_after_suspension(
    session: Session,
    project: Project,
    *,
    suspended_on: date,
    resumed_on: date,
    actor: Actor,
    now: datetime,
    reason: str,
) -> list[NodeMove]:
    """Resuming moves each open node not yet due at the suspension by the working days lost."""
    calendar = calendar_from_db(session)
    lost = calendar.working_days_between(suspended_on, resumed_on)
    programme = session.get(Programme, project.programme_id)
    assert programme is not None and project.id is not None
    targets: list[tuple[Node, date, bool]] = []
    for node in open_nodes(session, [project.id]):
        if lost > 0 and node.due_date >= suspended_on:
            to_due = calendar.add_working_days(node.due_date, lost)
            targets.append((node, to_due, calendar.plan_is_provisional(to_due)))
    return _move_nodes(
        session,
        targets,
        calendar=calendar,
        ladder=node_ladder(programme.parsed_spec()),
        actor=actor,
        now=now,
        reason=reason,
        shifted_by=lost,
    )


def _move_nodes(
    session: Session,
    targets: list[tuple[Node, date, bool]],
    *,
    calendar: WorkingCalendar,
    ladder: Ladder,
    actor: Actor,
    now: datetime,
    reason: str,
    shifted_by: int | None = None,
) -> list[NodeMove]:
    """Move each node to its (due date, provisional); the nodes that actually moved, their organisations told."""
    moves, moved = [], []
    for node, to_due, provisional in targets:
        move = move_node(
            session,
            node,
            to_due=to_due,
            provisional=provisional,
            calendar=calendar,
            ladder=ladder,
            actor=actor,
            now=now,
            reason=reason,
            shifted_by=shifted_by,
        )
        if move is not None:
            moves.append(move)
            moved.append((node, move.from_due))
    tell_organisations(session, moved, reason=reason, now=now)
    return moves


def tell_organisations(session: Session, moved: list[tuple[Node, date]], *, reason: str, now: datetime) -> int:
    """One notice per node moved (its new version keys it), to the project's organisation; those of one re-plan
    share a digest, so an organisation gets one mail listing its nodes. Returns the notices queued."""
    projects: dict[int, Project] = {}
    rows = []
    for node, from_due in moved:
        assert node.id is not None
        project = projects.get(node.project_id) or session.get_one(Project, node.project_id)
        projects[node.project_id] = project
        recipient = project_recipient(session, project, Party.ORGANISATION)
        rows.append(
            outbox_row(
                key=event_key(
                    entity_type=NODE.name,
                    entity_id=node.id,
                    version=node.version,
                    template=RESCHEDULED_TEMPLATE,
                    party=recipient.party,
                ),
                template=RESCHEDULED_TEMPLATE,
                entity_type=NODE.name,
                entity_id=node.id,
                recipient=recipient,
                params={
                    "project_id": project.id,
                    "project_title": project.title,
                    "node_id": node.id,
                    "node_title": node.title,
                    "previous_due_date": from_due.isoformat(),
                    "due_date": node.due_date.isoformat(),
                    "reason": reason,
                },
                now=now,
                digest_key=moves_digest_key(RESCHEDULED_TEMPLATE, now),
            )
        )
    return queue_rows(session, rows)


def load_official_year(
    session: Session, path: Path, *, actor: Actor, now: datetime
) -> tuple[OfficialYear, list[NodeMove]]:
    """Store a year's official schedule, then re-plan every open node it moves (provisional ones and any whose
    working days it corrects), keeping their extensions and shifts; the caller commits."""
    official = read_official_year(path)
    store_official_year(session, official, actor=actor, now=now)
    reason = f"{official.year}年节假日安排已正式公布，重新计算受影响的截止日期" + (
        f"（{official.source}）" if official.source else ""
    )
    moves = [
        move
        for programme in session.execute(select(Programme).order_by(Programme.id)).scalars()  # type: ignore[arg-type]
        for move in replan_programme(session, programme, actor=actor, now=now, reason=reason)
    ]
    return official, moves
