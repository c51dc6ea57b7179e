"""Claims of escalation rungs: one row per (node, rung), so a rerun or a second sweeper never notifies twice."""

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import aware_datetime_column


class EscalationClaim(SQLModel, table=True):
    """A rung that fired for a node report or a review assignment; the unique key is the whole guarantee."""

    __table_args__ = (UniqueConstraint("entity_type", "entity_id", "rung_code", name="uq_escalation_claim"),)

    id: int | None = Field(default=None, primary_key=True)
    entity_type: str = Field(max_length=30)  # node or review_assignment (the lifecycle's name)
    entity_id: int
    rung_code: str = Field(max_length=40)
    rung_index: int
    due_date: date  # the due date the rung was counted from
    fires_on: date  # the working day the rung fell due
    as_of: date  # the sweep that claimed it
    skipped: bool = False  # caught up after missed sweeps: a higher rung was told instead, this one to nobody
    claimed_at: datetime = Field(sa_column=aware_datetime_column())


class SweepRun(SQLModel, table=True):
    """One finished sweep: the heartbeat `/health` reads to tell whether deadlines are still enforced."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30, index=True)  # nodes or reviews
    as_of: date
    ran_at: datetime = Field(sa_column=aware_datetime_column(index=True))
    due: int = 0
    claimed: int = 0
    notices: int = 0
    flow_run_id: str | None = Field(default=None, max_length=36)  # the Prefect flow run that swept; None: run directly
