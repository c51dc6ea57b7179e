"""The overdue sweep: set-based, in batches, idempotent.

Each open node carries the day its next rung fires (`next_rung_on`, indexed) and that rung's index.
A sweep reads only the nodes whose day has come, claims their rungs (unique per node and rung), writes
the notices in the same transaction, and moves each node on to its next rung. Its cost follows the
work due now, not the backlog of open or late nodes.
"""

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlmodel import Session

from models.lifecycles import NODE_REPORT
from models.milestone import Milestone
from models.programme import Programme
from models.project import Project
from schedules.addressees import ProjectFacts, project_facts
from schedules.calendar import WorkingCalendar
from schedules.calendar_store import calendar_from_db
from schedules.claims import EscalationNotice, RungDue, claim, queue_escalation_notices
from schedules.heartbeat import MILESTONES, record_sweep
from schedules.ladder import Ladder, LadderRung, node_ladder

log = logging.getLogger(__name__)

ESCALATING_PROJECT_STATES = frozenset({"in_progress"})
PAUSED_PROJECT_STATES = frozenset({"suspended"})  # rungs wait; resuming re-plans the open nodes
DEFAULT_BATCH_SIZE = 2000


@dataclass
class SweepContext:
    """What every batch of one sweep shares: the calendar and each programme's ladder, read once."""

    calendar: WorkingCalendar
    ladders: dict[int, Ladder] = field(default_factory=dict)

    def ladder(self, session: Session, programme_id: int) -> Ladder:
        if programme_id not in self.ladders:
            programme = session.get(Programme, programme_id)
            assert programme is not None
            self.ladders[programme_id] = node_ladder(programme.parsed_spec())
        return self.ladders[programme_id]


@dataclass
class BatchOutcome:
    """What one batch did: rungs newly claimed per (district, rung), notices queued, nodes retired."""

    claimed: Counter[tuple[str, str]] = field(default_factory=Counter)
    notices: int = 0
    retired: int = 0
    paused: int = 0

    def add(self, other: "BatchOutcome") -> None:
        self.claimed.update(other.claimed)
        self.notices += other.notices
        self.retired += other.retired
        self.paused += other.paused


def due_node_ids(session: Session, as_of: date) -> list[int]:
    """Nodes whose next rung fires on or before `as_of` (an index range scan)."""
    query = select(Milestone.id).where(Milestone.next_rung_on <= as_of).order_by(Milestone.id)  # type: ignore[operator, arg-type]
    return list(session.execute(query).scalars())


def sweep_batch(
    session: Session, ids: Sequence[int], *, as_of: date, now: datetime, context: SweepContext
) -> BatchOutcome:
    """Claim the due rungs of these nodes, queue their notices and advance them; the caller commits."""
    outcome = BatchOutcome()
    rows = session.execute(
        select(
            Milestone.id, Milestone.project_id, Milestone.title, Milestone.kind, Milestone.due_date,
            Milestone.state, Milestone.next_rung_index, Project.state.label("project_state"),  # type: ignore[attr-defined]
            Project.programme_id,
        )
        .join(Project, Project.id == Milestone.project_id)  # type: ignore[arg-type]
        .where(Milestone.id.in_(ids), Milestone.next_rung_on <= as_of)  # type: ignore[union-attr, operator]
        .order_by(Milestone.id)  # one lock order for every sweeper
    ).all()
    retired = [
        r.id for r in rows
        if r.state in NODE_REPORT.terminal
        or r.project_state not in ESCALATING_PROJECT_STATES | PAUSED_PROJECT_STATES
    ]
    live = [r for r in rows if r.state not in NODE_REPORT.terminal and r.project_state in ESCALATING_PROJECT_STATES]
    outcome.paused = len(rows) - len(retired) - len(live)
    if retired:
        session.execute(
            update(Milestone).where(Milestone.id.in_(retired))  # type: ignore[union-attr]
            .values(next_rung_index=None, next_rung_on=None)
        )
        outcome.retired = len(retired)
    dues: list[RungDue] = []
    moves: dict[tuple[int, int | None, date | None], list[int]] = {}
    plans: dict[tuple[int, date, int], tuple[list[LadderRung], int | None, date | None]] = {}
    for r in live:
        key = (r.programme_id, r.due_date, r.next_rung_index)
        if key not in plans:
            ladder = context.ladder(session, r.programme_id)
            plans[key] = ladder.to_fire(r.next_rung_index, r.due_date, as_of, context.calendar)
        firing, next_index, next_day = plans[key]
        dues.extend(
            RungDue(NODE_REPORT.name, r.id, rung, r.due_date,
                    context.ladder(session, r.programme_id).fires_on(rung, r.due_date, context.calendar))
            for rung in firing
        )
        moves.setdefault((r.next_rung_index, next_index, next_day), []).append(r.id)
    fresh = claim(session, dues, as_of=as_of, now=now)
    claimed = [d for d in dues if (d.entity_id, d.rung.code) in fresh]
    by_id = {r.id: r for r in live}
    facts = project_facts(session, {by_id[d.entity_id].project_id for d in claimed})
    notices = [notice for d in claimed for notice in _notices(d, by_id[d.entity_id], facts, as_of, context)]
    outcome.notices = queue_escalation_notices(session, notices, as_of=as_of, now=now)
    for d in claimed:
        outcome.claimed[(facts[by_id[d.entity_id].project_id].district_name, d.rung.code)] += 1
    for (old_index, next_index, next_day), node_ids in moves.items():
        # Conditioned on the old index: a second sweeper that lost the race moves nothing.
        session.execute(
            update(Milestone)
            .where(and_(Milestone.id.in_(node_ids), Milestone.next_rung_index == old_index))  # type: ignore[union-attr, arg-type]
            .values(next_rung_index=next_index, next_rung_on=next_day)
        )
    session.flush()
    return outcome


def _notices(
    due: RungDue, node: Any, facts: dict[int, ProjectFacts], as_of: date, context: SweepContext
) -> list[EscalationNotice]:
    project = facts[node.project_id]
    params = {
        "project_id": node.project_id,
        "project_title": project.title,
        "district": project.district_name,
        "node_id": node.id,
        "node_kind": node.kind,
        "node_title": node.title,
        "due_date": due.due_date.isoformat(),
        "working_days_late": max(0, context.calendar.working_days_between(due.due_date, as_of)),
        "working_days_left": max(0, context.calendar.working_days_between(as_of, due.due_date)),
        "rung_code": due.rung.code,
        "as_of": as_of.isoformat(),
    }
    return [EscalationNotice(due, project.recipients[party], params) for party in due.rung.notify]


@dataclass
class SweepResult:
    as_of: date
    due_nodes: int
    batches: int
    outcome: BatchOutcome


def sweep(
    session: Session,
    *,
    as_of: date,
    now: datetime,
    batch_size: int = DEFAULT_BATCH_SIZE,
    after_batch: Callable[[int, BatchOutcome], None] | None = None,
) -> SweepResult:
    """Every due node, batch by batch, each batch committed on its own: a crash loses at most one batch."""
    ids = due_node_ids(session, as_of)
    context = SweepContext(calendar_from_db(session))
    total = BatchOutcome()
    batches = 0
    for start in range(0, len(ids), batch_size):
        outcome = sweep_batch(session, ids[start:start + batch_size], as_of=as_of, now=now, context=context)
        session.commit()
        total.add(outcome)
        batches += 1
        if after_batch is not None:
            after_batch(batches, outcome)
    record_sweep(session, kind=MILESTONES, as_of=as_of, ran_at=now, due=len(ids), claimed=sum(total.claimed.values()),
                 notices=total.notices)
    session.commit()
    log.info("sweep %s: %d due nodes, %d rungs claimed, %d notices", as_of, len(ids), sum(total.claimed.values()),
             total.notices)
    return SweepResult(as_of, len(ids), batches, total)
