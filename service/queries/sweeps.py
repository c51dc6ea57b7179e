"""The recent sweeps by their heartbeat rows, newest first: each one's day, counts, and the flow run it ran as."""

from datetime import date, datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from models.escalation import SweepRun
from schedules.heartbeat import NODES, REVIEWS

SWEEP_KINDS_ZH = {NODES: "节点督办", REVIEWS: "评审催办"}


class SweepListed(BaseModel):
    kind: str
    kind_label: str
    as_of: date
    ran_at: datetime
    due: int
    claimed: int
    notices: int
    flow_run_id: str | None  # None: run directly (played year, command line), not as a Prefect flow


def recent_sweeps(session: Session, *, limit: int = 10) -> list[SweepListed]:
    rows = session.exec(
        select(SweepRun).order_by(col(SweepRun.ran_at).desc(), col(SweepRun.id).desc()).limit(limit)
    ).all()
    return [
        SweepListed(
            kind=row.kind,
            kind_label=SWEEP_KINDS_ZH.get(row.kind, row.kind),
            as_of=row.as_of,
            ran_at=row.ran_at,
            due=row.due,
            claimed=row.claimed,
            notices=row.notices,
            flow_run_id=row.flow_run_id,
        )
        for row in rows
    ]
