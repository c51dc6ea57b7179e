"""Review assignments climb the programme's ladder too: the expert first, then the coordinator.

Open assignments are few (a handful of experts per declaration, during the review phase), so this sweep
reads all of them; the claims keep it idempotent exactly like the node sweep, and it catches up after missed
days as the node sweep does (`schedules.ladder.caught_up`): only the highest rung due is told, the lower ones
are claimed as skipped.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from models.escalation import EscalationClaim
from models.expert import Expert
from models.lifecycles import PROJECT, REVIEW_ASSIGNMENT
from models.parties import Party
from models.programme import Programme
from models.project import Project
from models.recipients import expert_recipient
from models.review import ReviewAssignment
from schedules.addressees import project_facts
from schedules.calendar import WorkingCalendar
from schedules.calendar_store import calendar_from_db
from schedules.ladder import Ladder, caught_up, review_ladder
from schedules.rung_claims import EscalationNotice, RungDue, claim, queue_escalation_notices

REVIEWING_PROJECT_STATES = PROJECT.phase("review")


@dataclass(frozen=True)
class ReviewSweepOutcome:
    """What one review sweep did: assignments newly claimed and told per rung code, the notices it queued, and the
    rungs claimed as skipped while catching up."""

    claimed: Counter[str]
    notices: int
    skipped: Counter[str]


def sweep_reviews(session: Session, *, as_of: date, now: datetime) -> ReviewSweepOutcome:
    """Claim the due rungs of open review assignments and queue their notices; the caller commits."""
    calendar = calendar_from_db(session)
    rows = open_assignments(session)
    dues = due_rungs(session, rows, as_of=as_of, calendar=calendar)
    fresh = claim(session, dues, as_of=as_of, now=now)
    claimed = [due for due in dues if (due.entity_id, due.rung.code) in fresh]
    told = [due for due in claimed if not due.skipped]
    notices = escalation_notices(session, rows, told, as_of=as_of, calendar=calendar)
    queued = queue_escalation_notices(session, notices, as_of=as_of, now=now)
    session.flush()
    skipped = Counter(due.rung.code for due in claimed if due.skipped)
    return ReviewSweepOutcome(Counter(due.rung.code for due in told), queued, skipped)


def open_assignments(session: Session) -> list[Any]:
    """Every open assignment of a declaration still under review, with its project's programme and title."""
    query = (
        select(
            ReviewAssignment.id,
            ReviewAssignment.project_id,
            ReviewAssignment.expert_id,
            ReviewAssignment.due_date,
            Project.programme_id,
            Project.title,
        )
        .join(Project, Project.id == ReviewAssignment.project_id)  # type: ignore[arg-type]
        .where(
            ReviewAssignment.state.in_(REVIEW_ASSIGNMENT.live_states),  # type: ignore[attr-defined]
            Project.state.in_(REVIEWING_PROJECT_STATES),  # type: ignore[attr-defined]
        )
        .order_by(ReviewAssignment.id)  # type: ignore[arg-type]
    )
    return list(session.execute(query).all())


def due_rungs(session: Session, rows: Sequence[Any], *, as_of: date, calendar: WorkingCalendar) -> list[RungDue]:
    """The rungs due by `as_of` that each assignment has not been claimed for yet; after missed days, all but the
    highest are marked skipped."""
    claimed: dict[int, set[str]] = {}
    for entity_id, code in session.execute(
        select(EscalationClaim.entity_id, EscalationClaim.rung_code).where(
            EscalationClaim.entity_type == REVIEW_ASSIGNMENT.name,
            EscalationClaim.entity_id.in_([r.id for r in rows]),  # type: ignore[attr-defined]
        )
    ):
        claimed.setdefault(entity_id, set()).add(code)
    ladders: dict[int, Ladder] = {}
    dues = []
    for r in rows:
        if r.programme_id not in ladders:
            programme = session.get(Programme, r.programme_id)
            assert programme is not None
            ladders[r.programme_id] = review_ladder(programme.parsed_spec())
        ladder = ladders[r.programme_id]
        sent = claimed.get(r.id, set())
        start = next((rung.index for rung in ladder.rungs if rung.code not in sent), len(ladder.rungs))
        firing, _, _ = ladder.to_fire(start, r.due_date, as_of, calendar)
        dues.extend(
            RungDue(
                REVIEW_ASSIGNMENT.name, r.id, rung, r.due_date, ladder.fires_on(rung, r.due_date, calendar), skipped
            )
            for rung, skipped in caught_up([rung for rung in firing if rung.code not in sent])
        )
    return dues


def escalation_notices(
    session: Session, rows: Sequence[Any], claimed: Sequence[RungDue], *, as_of: date, calendar: WorkingCalendar
) -> list[EscalationNotice]:
    """Each newly claimed rung that is told (not skipped), to the parties its rung names: the expert, later the
    coordinator."""
    if not claimed:  # most days: nothing newly due, and the project facts need not be read
        return []
    by_id = {r.id: r for r in rows}
    facts = project_facts(session, {r.project_id for r in rows})
    experts = {
        e.id: e for e in session.execute(select(Expert).where(Expert.id.in_({r.expert_id for r in rows}))).scalars()
    }  # type: ignore[union-attr]
    notices = []
    for due in claimed:
        row = by_id[due.entity_id]
        params = {
            "project_id": row.project_id,
            "project_title": row.title,
            "assignment_id": row.id,
            "expert_name": experts[row.expert_id].name,
            "due_date": row.due_date.isoformat(),
            "working_days_late": max(0, calendar.working_days_between(row.due_date, as_of)),
            "rung_code": due.rung.code,
            "rung_label": due.rung.label,
            "as_of": as_of.isoformat(),
        }
        for party in due.rung.notify:
            recipient = (
                expert_recipient(experts[row.expert_id])
                if party is Party.EXPERT
                else facts[row.project_id].recipients[party]
            )
            notices.append(EscalationNotice(due, recipient, params))
    return notices
