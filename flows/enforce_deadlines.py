"""The overdue sweep as one Prefect flow run: list the due nodes, claim them a batch per task, publish.

The loop is `schedules.sweep.run_sweep`, the same one the CLI's direct mode and the simulation run; here
its steps are tasks. The unique claims, not the flow, keep every rung to once.
"""

from datetime import date, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.concurrency.sync import concurrency
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session

from flows.database import flow_engine
from flows.run_labels import DayRequest, current_flow_run_id, day_run_name, tag_current_flow_run
from models.programme import Programme
from schedules.progress import district_counts
from schedules.sweep import (
    DEFAULT_BATCH_SIZE,
    BatchOutcome,
    SweepProgress,
    SweepResult,
    SweepSteps,
    run_sweep,
    session_steps,
)

SWEEP_LIMIT = "deadline-sweep"
ARTIFACT_KEY = "deadline-sweep"


class SweepRequest(DayRequest):
    batch_size: int = DEFAULT_BATCH_SIZE


class SweepReport(BaseModel):
    as_of: date
    due_nodes: int
    batches: int
    claimed: dict[str, dict[str, int]]  # district -> rung -> newly claimed
    notices: int
    artifact_key: str


@task(cache_policy=NO_CACHE)
def list_due_nodes(as_of: date) -> list[int]:
    """In id order, so that overlapping sweepers lock the nodes in the same order."""
    with Session(flow_engine()) as session:
        return session_steps(session).due_nodes(as_of)


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def claim_batch(ids: list[int], as_of: date, now: datetime) -> BatchOutcome:
    """One transaction: claims, notices and next rungs of these nodes (safe to retry: claims are unique)."""
    with Session(flow_engine()) as session:
        return session_steps(session).claim(ids, as_of, now)


@task(cache_policy=NO_CACHE)
def record_heartbeat(result: SweepResult, now: datetime) -> None:
    """The row /health reads: a sweep that stops finishing shows there, not only in Prefect (and links to this run)."""
    with Session(flow_engine()) as session:
        session_steps(session, flow_run_id=current_flow_run_id()).record(result, now)


SWEEP_TASKS = SweepSteps(due_nodes=list_due_nodes, claim=claim_batch, record=record_heartbeat)


@task(cache_policy=NO_CACHE)
def publish_sweep_table(as_of: date, claimed: dict[str, dict[str, int]]) -> str:
    """Per district: due, done, late, and the rungs newly escalated by this sweep."""
    rungs = sorted({rung for by_rung in claimed.values() for rung in by_rung})
    with Session(flow_engine()) as session:
        counts = district_counts(session, as_of)
    table = [
        {
            "区": c.district,
            "应完成": c.due,
            "已完成": c.done,
            "逾期未完成": c.late,
            **{f"新升级 {rung}": claimed.get(c.district, {}).get(rung, 0) for rung in rungs},
        }
        for c in counts
    ]
    create_table_artifact(table, key=ARTIFACT_KEY, description=f"节点督办 {as_of}：各区节点完成与新升级情况")
    return ARTIFACT_KEY


def programme_tags(as_of: date) -> list[str]:
    """Tags a sweep's run carries: each programme and the day, so the UI can filter by them."""
    with Session(flow_engine()) as session:
        codes = session.execute(select(Programme.code).order_by(Programme.code)).scalars().all()
    return [f"programme:{code}" for code in codes] + [f"as_of:{as_of.isoformat()}"]


def log_progress(progress: SweepProgress) -> None:
    """Batches done of all, in the run's log (and so in the terminal of `sanshe sweep`)."""
    get_run_logger().info(progress.line())


@flow(name="enforce-deadlines", flow_run_name=day_run_name("sweep"))
def enforce_deadlines(request: SweepRequest) -> SweepReport:
    """Claim every rung due by `as_of`, a task per batch, then publish the per-district table."""
    as_of, now = request.moment()
    tag_current_flow_run(programme_tags(as_of))
    with concurrency(SWEEP_LIMIT, occupy=1):  # a limit, if created, keeps sweeps from overlapping
        result = run_sweep(SWEEP_TASKS, as_of=as_of, now=now, batch_size=request.batch_size, after_batch=log_progress)
    claimed = result.claimed_by_district()
    key = publish_sweep_table(as_of, claimed)
    get_run_logger().info("督办 %s：%d 个节点到期，%d 条通知", as_of, result.due_nodes, result.outcome.notices)
    return SweepReport(
        as_of=as_of,
        due_nodes=result.due_nodes,
        batches=result.batches,
        claimed=claimed,
        notices=result.outcome.notices,
        artifact_key=key,
    )
