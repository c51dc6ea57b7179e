"""Dispatching the outbox as one Prefect flow run: a task per batch over reused SMTP connections.

The loop is `service.mail.dispatcher.dispatch_batches`, the one `sanshe dispatch` runs; here each batch
is a task. The outbox's claims and leases, not the flow, keep a notice from being sent twice.
"""

from datetime import datetime
from functools import partial

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_table_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel
from sqlmodel import Session

from flows.database import flow_engine
from service.clock import Clock, service_now_on
from service.mail.dispatcher import DispatchOptions, DispatchReport, clock_from, dispatch_batch, dispatch_batches
from service.mail.transport import SmtpConfig, SmtpPool
from service.settings import get_settings

ARTIFACT_KEY = "notification-dispatch"


class DispatchRequest(BaseModel):
    now: datetime | None = None  # where the run's clock starts (then runs at the wall's pace); None: the service's
    batch_size: int = 200
    max_batches: int = 50
    connections: int = 4


class DispatchSummary(BaseModel):
    batches: int
    mails: int
    sent: int
    retried: int
    failed: int
    waiting: int
    unreachable: bool
    artifact_key: str


@task(name="send-notification-batch", cache_policy=NO_CACHE)
async def send_batch(pool: SmtpPool, options: DispatchOptions, clock: Clock) -> DispatchReport:
    """Claim, send and record one batch; safe to run again: the claims and leases hold."""
    with Session(flow_engine(), expire_on_commit=False) as session:
        return await dispatch_batch(session, pool, options=options, clock=clock)


@task(name="publish-dispatch-table", cache_policy=NO_CACHE)
async def publish_dispatch_table(total: DispatchReport) -> str:
    """Counts of this run's notices by outcome; failed ones are listed for the coordinator in the console."""
    table = [
        {"结果": "已发送 (sent)", "通知数": total.sent},
        {"结果": "稍后重试 (retried)", "通知数": total.retried},
        {"结果": "发送失败 (failed)", "通知数": total.failed},
        {"结果": "服务器不可达，保留待发 (waiting)", "通知数": total.waiting},
    ]
    description = f"本次发出 {total.mails} 封邮件"
    if total.unreachable:
        description += "；邮件服务器无法连接，未发出的通知保留待发（不计尝试次数），下次运行再试"
    await acreate_table_artifact(table, key=ARTIFACT_KEY, description=description)
    return ARTIFACT_KEY


def log_progress(total: DispatchReport) -> None:
    """Running totals in the run's log, for a long backlog."""
    get_run_logger().info(total.progress_line())


@flow(name="dispatch-notifications")
async def dispatch_notifications(request: DispatchRequest) -> DispatchSummary:
    """Send every notice due now, a batch per task, until none is left or the server cannot be reached."""
    log = get_run_logger()
    settings = get_settings()
    clock = clock_from(request.now or service_now_on(flow_engine()))
    options = DispatchOptions.from_settings(settings, batch_size=request.batch_size)
    async with SmtpPool(SmtpConfig.from_settings(settings), size=request.connections) as pool:
        total = await dispatch_batches(
            partial(send_batch, pool, options, clock), max_batches=request.max_batches, after_batch=log_progress
        )
    key = await publish_dispatch_table(total)
    log.info(
        "发出 %d 封邮件：%d 条已发送，%d 条稍后重试，%d 条失败", total.mails, total.sent, total.retried, total.failed
    )
    return DispatchSummary(
        batches=total.batches,
        mails=total.mails,
        sent=total.sent,
        retried=total.retried,
        failed=total.failed,
        waiting=total.waiting,
        unreachable=total.unreachable,
        artifact_key=key,
    )
