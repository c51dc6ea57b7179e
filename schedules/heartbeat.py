"""The sweep's heartbeat: each finished sweep leaves a row; a missing or old one is reported at /health."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from models.escalation import SweepRun

NODES, REVIEWS = "nodes", "reviews"
STALE_AFTER = timedelta(hours=26)  # a daily sweep, with two hours of grace


@dataclass(frozen=True)
class SweepInfo:
    kind: str
    as_of: date
    ran_at: datetime
    due: int
    claimed: int
    notices: int


def record_sweep(
    session: Session,
    *,
    kind: str,
    as_of: date,
    ran_at: datetime,
    due: int,
    claimed: int,
    notices: int,
    flow_run_id: str | None = None,
) -> None:
    """The caller commits, after the sweep's last batch. `flow_run_id`: the Prefect flow run it ran as, if any."""
    session.add(
        SweepRun(
            kind=kind, as_of=as_of, ran_at=ran_at, due=due, claimed=claimed, notices=notices, flow_run_id=flow_run_id
        )
    )
    session.flush()


def last_sweep(session: Session, kind: str = NODES) -> SweepInfo | None:
    row = session.execute(
        select(SweepRun).where(SweepRun.kind == kind).order_by(SweepRun.ran_at.desc(), SweepRun.id.desc()).limit(1)  # type: ignore[attr-defined, union-attr]
    ).scalar_one_or_none()
    if row is None:
        return None
    return SweepInfo(row.kind, row.as_of, row.ran_at, row.due, row.claimed, row.notices)


def sweep_is_stale(info: SweepInfo | None, now: datetime, max_age: timedelta = STALE_AFTER) -> bool:
    """No sweep yet, or the last one is older than a day and its grace: deadlines are not being enforced."""
    return info is None or now - info.ran_at > max_age
