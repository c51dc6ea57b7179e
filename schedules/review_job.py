"""The review-reminders job's steps, one function for the flow, the CLI's simulation and the year's play alike."""

from datetime import date, datetime

from sqlmodel import Session

from schedules.heartbeat import REVIEWS, record_sweep
from schedules.review_sweep import ReviewSweepOutcome, sweep_reviews


def sweep_and_record_reviews(
    session: Session, *, as_of: date, now: datetime, flow_run_id: str | None = None
) -> ReviewSweepOutcome:
    """Claim the due review rungs, queue their notices and leave the heartbeat /health reads (with the flow run it
    ran as, if any); the caller commits."""
    outcome = sweep_reviews(session, as_of=as_of, now=now)
    record_sweep(
        session,
        kind=REVIEWS,
        as_of=as_of,
        ran_at=now,
        due=0,
        claimed=sum(outcome.claimed.values()),
        notices=outcome.notices,
        flow_run_id=flow_run_id,
    )
    return outcome
