"""The overdue sweep: set-based, in batches, idempotent.

Each open node carries the day its next rung fires (`next_rung_on`, indexed) and that rung's index.
A sweep reads only the nodes whose day has come, claims their rungs (unique per node and rung), writes
the notices in the same transaction, and moves each node on to its next rung. Its cost follows the
work due now, not the backlog of open or late nodes. After missed sweeps (downtime) a node may have
several rungs due at once: only the highest is told, the lower ones are claimed as skipped.

`run_sweep` is the one loop: the flow hands it its tasks as the steps, everyone else the plain steps on a session.
"""

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session

from models.node import Node
from models.programme import Programme
from schedules import node_rungs
from schedules.addressees import PROJECT_PARTIES
from schedules.calendar import WorkingCalendar
from schedules.calendar_store import calendar_from_db
from schedules.heartbeat import NODES, record_sweep
from schedules.ladder import Ladder, LadderRung, caught_up, node_ladder
from schedules.node_rungs import (
    DAY_COLUMNS,
    ESCALATING_PROJECT_STATES,
    FIRE_COLUMNS,
    LABEL_COLUMNS,
    MOVE_COLUMNS,
    PARTY_COLUMNS,
    PAUSED_PROJECT_STATES,
    BatchPlan,
)
from schedules.rowsets import RowSet

log = logging.getLogger(__name__)

# Each batch holds SQLite's write lock until it commits, and the API's writes wait for it. On the benchmark data
# 2000 nodes hold it 0.1-0.35 s, 5000 held it 0.25-0.75 s (quiet to busy machine), for a sweep as fast to 1.4x slower.
DEFAULT_BATCH_SIZE = 2000
PlanKey = tuple[int, date, int]  # programme, due date, index of the node's next rung


@dataclass
class SweepContext:
    """What every batch of one sweep shares: the calendar, each programme's ladder and the plans worked out."""

    calendar: WorkingCalendar
    ladders: dict[int, Ladder] = field(default_factory=dict)
    plans: dict[tuple[PlanKey, date], tuple[list[LadderRung], int | None, date | None]] = field(default_factory=dict)

    def ladder(self, session: Session, programme_id: int) -> Ladder:
        if programme_id not in self.ladders:
            programme = session.get(Programme, programme_id)
            assert programme is not None
            ladder = node_ladder(programme.parsed_spec())
            for rung in ladder.rungs:
                strangers = set(rung.notify) - PROJECT_PARTIES
                if strangers:
                    raise ValueError(f"督办阶梯 {rung.code} 通知的对象 {sorted(strangers)} 不是项目的相关方")
            self.ladders[programme_id] = ladder
        return self.ladders[programme_id]

    def plan(self, session: Session, key: PlanKey, as_of: date) -> tuple[list[LadderRung], int | None, date | None]:
        """The rungs that fire for nodes of this key by `as_of`, and the rung they move on to."""
        if (key, as_of) not in self.plans:
            programme_id, due, index = key
            self.plans[key, as_of] = self.ladder(session, programme_id).to_fire(index, due, as_of, self.calendar)
        return self.plans[key, as_of]


@dataclass
class BatchOutcome:
    """What one batch did: rungs newly claimed and told, and those skipped, per (district, rung); notices; retired."""

    claimed: Counter[tuple[str, str]] = field(default_factory=Counter)
    notices: int = 0
    retired: int = 0
    paused: int = 0
    skipped: Counter[tuple[str, str]] = field(default_factory=Counter)  # claimed while catching up, told to nobody

    def add(self, other: "BatchOutcome") -> None:
        self.claimed.update(other.claimed)
        self.skipped.update(other.skipped)
        self.notices += other.notices
        self.retired += other.retired
        self.paused += other.paused


def due_node_ids(session: Session, as_of: date) -> list[int]:
    """Nodes whose next rung fires on or before `as_of`, in id order (one lock order for every sweeper).

    Sorted here: an ORDER BY id would tempt SQLite to walk the whole table in id order instead of the index range.
    """
    query = select(Node.id).where(Node.next_rung_on <= as_of)  # type: ignore[operator, arg-type]
    return sorted(session.execute(query).scalars())


def batch_plan(session: Session, keys: Sequence[PlanKey], *, as_of: date, context: SweepContext) -> BatchPlan:
    """The ladder's word on a batch's keys, as the small tables the batch's statements join to.

    Catching up, the rungs below the highest one due are claimed as skipped: a node is told of once per sweep,
    at the rung that says how late it is, rather than late-1, late-5 and late-10 on one day.
    """
    fire, moves, parties, days, labels = [], [], {}, {}, {}
    for key in keys:
        programme_id, due, index = key
        firing, next_index, next_day = context.plan(session, key, as_of)
        moves.append((programme_id, due, index, next_index, next_day))
        ladder = context.ladder(session, programme_id)
        for rung, skipped in caught_up(firing):
            fires_on = ladder.fires_on(rung, due, context.calendar)
            fire.append((programme_id, due, index, rung.index, rung.code, fires_on, int(skipped)))
            if skipped:
                continue
            labels[programme_id, rung.index] = rung.label
            for position, party in enumerate(rung.notify):
                parties[programme_id, rung.index, position] = (party.value, rung.template)
            days[due] = (
                max(0, context.calendar.working_days_between(due, as_of)),
                max(0, context.calendar.working_days_between(as_of, due)),
            )
    return BatchPlan(
        fire=RowSet("fire", FIRE_COLUMNS, fire),
        moves=RowSet("moves", MOVE_COLUMNS, moves),
        parties=RowSet("parties", PARTY_COLUMNS, [(*k, *v) for k, v in sorted(parties.items())]),
        days=RowSet("days", DAY_COLUMNS, [(due, *counts) for due, counts in sorted(days.items())]),
        labels=RowSet("labels", LABEL_COLUMNS, [(*k, label) for k, label in sorted(labels.items())]),
    )


def sweep_batch(
    session: Session, ids: Sequence[int], *, as_of: date, now: datetime, context: SweepContext
) -> BatchOutcome:
    """Claim the due rungs of these nodes, queue their notices and advance them; the caller commits."""
    outcome = BatchOutcome()
    keys = []
    for row in node_rungs.due_keys(session, ids, as_of):
        if row.closed or row.project_state not in ESCALATING_PROJECT_STATES | PAUSED_PROJECT_STATES:
            outcome.retired += row.nodes
        elif row.project_state in PAUSED_PROJECT_STATES:
            outcome.paused += row.nodes
        else:
            keys.append((row.programme_id, row.due_date, row.next_rung_index))
    if outcome.retired:  # a closed node or a stopped project keeps its rung date until a sweep retires it here
        outcome.retired = node_rungs.retire(session, ids, as_of)
    if not keys:
        return outcome
    plan = batch_plan(session, keys, as_of=as_of, context=context)
    if plan.fire.rows:
        fresh = node_rungs.claim(session, ids, plan, as_of=as_of, now=now)
        outcome.notices = node_rungs.queue_notices(session, fresh.told, plan, as_of=as_of, now=now)
        outcome.claimed = node_rungs.claimed_by_district(session, fresh.told)
        outcome.skipped = node_rungs.claimed_by_district(session, fresh.skipped)
    node_rungs.move_on(session, ids, plan, as_of=as_of)
    return outcome


@dataclass
class SweepResult:
    as_of: date
    due_nodes: int
    batches: int
    outcome: BatchOutcome

    def claimed_by_district(self) -> dict[str, dict[str, int]]:
        """Rungs newly claimed and told, district by district: what the flow's table and report show."""
        return _by_district(self.outcome.claimed)

    def skipped_by_district(self) -> dict[str, dict[str, int]]:
        """Rungs claimed as skipped while catching up, district by district."""
        return _by_district(self.outcome.skipped)


def _by_district(counts: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    by_district: dict[str, dict[str, int]] = {}
    for (district, rung), n in sorted(counts.items()):
        by_district.setdefault(district, {})[rung] = n
    return by_district


@dataclass(frozen=True)
class SweepProgress:
    """Where a running sweep stands, for the command line and the flow's log."""

    as_of: date
    batches_done: int
    batches: int
    notices: int  # queued so far

    def line(self) -> str:
        """The zh-CN line the command line prints and the flow run logs."""
        return f"督办 {self.as_of}：第 {self.batches_done}/{self.batches} 批完成，已排队通知 {self.notices} 条"


@dataclass(frozen=True)
class SweepSteps:
    """A sweep's three steps: plain functions on one session, or the flow's tasks (one task per batch)."""

    due_nodes: Callable[[date], list[int]]
    claim: Callable[[list[int], date, datetime], BatchOutcome]
    record: Callable[[SweepResult, datetime], None]


def session_steps(session: Session, *, flow_run_id: str | None = None) -> SweepSteps:
    """The steps on one session; each batch commits on its own, so a crash loses at most one batch.

    `flow_run_id`: the Prefect flow run the sweep runs as, kept on its heartbeat row; None when run directly."""
    context: SweepContext | None = None

    def due_nodes(as_of: date) -> list[int]:
        ids = due_node_ids(session, as_of)
        session.commit()  # on SQLite every transaction holds the write lock: the listing must not wait for batch 1
        return ids

    def claim(ids: list[int], as_of: date, now: datetime) -> BatchOutcome:
        nonlocal context
        if context is None:
            context = SweepContext(calendar_from_db(session))
            session.commit()
        outcome = sweep_batch(session, ids, as_of=as_of, now=now, context=context)
        session.commit()
        return outcome

    def record(result: SweepResult, now: datetime) -> None:
        record_sweep(
            session,
            kind=NODES,
            as_of=result.as_of,
            ran_at=now,
            due=result.due_nodes,
            claimed=sum(result.outcome.claimed.values()),
            notices=result.outcome.notices,
            flow_run_id=flow_run_id,
        )
        session.commit()

    return SweepSteps(due_nodes=due_nodes, claim=claim, record=record)


def run_sweep(
    steps: SweepSteps,
    *,
    as_of: date,
    now: datetime,
    batch_size: int = DEFAULT_BATCH_SIZE,
    after_batch: Callable[[SweepProgress], None] | None = None,
) -> SweepResult:
    """The sweep's one loop, whoever runs it: list the due nodes, claim them batch by batch, leave a heartbeat."""
    ids = steps.due_nodes(as_of)
    batches = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
    total = BatchOutcome()
    for done, batch in enumerate(batches, start=1):
        total.add(steps.claim(batch, as_of, now))
        if after_batch is not None:
            after_batch(SweepProgress(as_of, done, len(batches), total.notices))
    result = SweepResult(as_of, len(ids), len(batches), total)
    steps.record(result, now)
    log.info(
        "sweep %s: %d due nodes, %d rungs claimed, %d skipped, %d notices",
        as_of,
        len(ids),
        sum(total.claimed.values()),
        sum(total.skipped.values()),
        total.notices,
    )
    return result


def sweep(
    session: Session,
    *,
    as_of: date,
    now: datetime,
    batch_size: int = DEFAULT_BATCH_SIZE,
    after_batch: Callable[[SweepProgress], None] | None = None,
) -> SweepResult:
    """Every due node on this session, without a Prefect server: the CLI's direct mode, the simulation, tests."""
    return run_sweep(session_steps(session), as_of=as_of, now=now, batch_size=batch_size, after_batch=after_batch)
