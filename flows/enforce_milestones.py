"""The overdue sweep as one Prefect flow run: list the due nodes, claim them a batch per task, publish.

Thin orchestration over `schedules.sweep`; the unique claims, not the flow, keep every rung to once.
"""

from collections import Counter
from datetime import date, datetime

from prefect import flow, get_run_logger, tags, task
from prefect.artifacts import create_table_artifact
from prefect.concurrency.sync import concurrency
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session

from flows.database import flow_engine
from models.database import session_scope
from models.programme import Programme
from schedules.calendar import shanghai_date
from schedules.calendar_store import calendar_from_db
from schedules.heartbeat import MILESTONES, record_sweep
from schedules.progress import district_counts
from schedules.sweep import DEFAULT_BATCH_SIZE, SweepContext, due_node_ids, sweep_batch
from service.clock import system_clock

SWEEP_LIMIT = "milestone-sweep"
ARTIFACT_KEY = "milestone-sweep"


class SweepRequest(BaseModel):
    as_of: date | None = None  # None: today in Asia/Shanghai
    now: datetime | None = None  # None: the wall clock (the scheduler's run time)
    batch_size: int = DEFAULT_BATCH_SIZE


class BatchClaims(BaseModel):
    claimed: dict[str, dict[str, int]]  # district -> rung -> newly claimed
    notices: int
    retired: int


class SweepReport(BaseModel):
    as_of: date
    due_nodes: int
    batches: int
    claimed: dict[str, dict[str, int]]
    notices: int
    artifact_key: str


@task
def list_due_nodes(as_of: date) -> list[int]:
    with Session(flow_engine()) as session:
        return due_node_ids(session, as_of)


@task(retries=2, retry_delay_seconds=2)
def claim_batch(ids: list[int], as_of: date, now: datetime) -> BatchClaims:
    """One transaction: claims, notices and next rungs of these nodes (safe to retry: claims are unique)."""
    with session_scope(flow_engine()) as session:
        outcome = sweep_batch(session, ids, as_of=as_of, now=now, context=SweepContext(calendar_from_db(session)))
    claimed: dict[str, dict[str, int]] = {}
    for (district, rung), n in outcome.claimed.items():
        claimed.setdefault(district, {})[rung] = n
    return BatchClaims(claimed=claimed, notices=outcome.notices, retired=outcome.retired)


@task
def publish_sweep_table(as_of: date, claimed: dict[str, dict[str, int]], rungs: list[str]) -> str:
    """Per district: due, done, late, and the rungs newly escalated by this sweep."""
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


@task
def record_heartbeat(as_of: date, now: datetime, due: int, claimed: int, notices: int) -> None:
    with session_scope(flow_engine()) as session:
        record_sweep(session, kind=MILESTONES, as_of=as_of, ran_at=now, due=due, claimed=claimed, notices=notices)


@flow(name="enforce-milestones", flow_run_name="sweep-{request.as_of}")
def enforce_milestones(request: SweepRequest) -> SweepReport:
    """Claim every rung due by `as_of`, a task per batch, then publish the per-district table."""
    log = get_run_logger()
    now = request.now or system_clock()
    as_of = request.as_of or shanghai_date(now)
    with concurrency(SWEEP_LIMIT, occupy=1):  # a limit, if created, keeps sweeps from overlapping
        ids = list_due_nodes(as_of)
        batches = [
            claim_batch(ids[i : i + request.batch_size], as_of, now) for i in range(0, len(ids), request.batch_size)
        ]
    claimed: dict[str, Counter[str]] = {}
    for batch in batches:
        for district, rungs in batch.claimed.items():
            claimed.setdefault(district, Counter()).update(rungs)
    rung_codes = sorted({rung for rungs in claimed.values() for rung in rungs})
    key = publish_sweep_table(as_of, {d: dict(c) for d, c in claimed.items()}, rung_codes)
    notices = sum(b.notices for b in batches)
    record_heartbeat(as_of, now, len(ids), sum(sum(c.values()) for c in claimed.values()), notices)
    log.info("督办 %s：%d 个节点到期，%d 条通知", as_of, len(ids), notices)
    return SweepReport(
        as_of=as_of,
        due_nodes=len(ids),
        batches=len(batches),
        claimed={d: dict(c) for d, c in claimed.items()},
        notices=notices,
        artifact_key=key,
    )


def programme_tags(as_of: date) -> list[str]:
    """Tags a sweep's run carries: each programme and the day, so the UI can filter by them."""
    with Session(flow_engine()) as session:
        codes = session.execute(select(Programme.code).order_by(Programme.code)).scalars().all()
    return [f"programme:{code}" for code in codes] + [f"as_of:{as_of.isoformat()}"]


def run_enforce_milestones(request: SweepRequest) -> SweepReport:
    """The entry point of the CLI and the scheduler: the flow run, tagged with programmes and day."""
    now = request.now or system_clock()
    as_of = request.as_of or shanghai_date(now)
    with tags(*programme_tags(as_of)):
        return enforce_milestones(SweepRequest(as_of=as_of, now=now, batch_size=request.batch_size))
