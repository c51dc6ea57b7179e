"""The dispatcher: claim due notices, send them, record what happened — batch after batch.

Delivery is at least once. A row is marked sent, and committed, right after the server accepted its own
mail; if the process dies in between, the lease runs out and that one mail goes again with the same
Message-ID, so a receiver sees at most one duplicate per such crash and can recognise it. Each claim
leases its rows from the clock's time at that claim, and the leases of rows still waiting in a batch are
renewed while the batch is on the wire, so no lease is ever handed out or left expired mid-run.
"""

import logging
import os
import random
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from sqlmodel import Session

from service.clock import Clock, system_clock
from service.mail.compose import Undeliverable, compose, group_into_mails, parse_sender
from service.mail.outage import clear_outage, record_outage
from service.mail.outbox_leases import (
    DIGEST_PART_ROWS,
    ClaimedNotice,
    claim_due,
    mark_failed,
    mark_retry,
    mark_sent,
    release_unreached,
    renew_leases,
    without_waiting_for_disk,
)
from service.mail.retry import RetryPolicy
from service.mail.transport import Envelope, SendFailure, SmtpPool
from service.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DispatchOptions:
    sender: str
    public_url: str
    batch_size: int = 200
    lease: timedelta = timedelta(minutes=5)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}")
    part_rows: int = DIGEST_PART_ROWS  # rows one digest mail carries at most

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> "DispatchOptions":
        return cls(sender=settings.smtp_sender, public_url=settings.public_url, **overrides)  # type: ignore[arg-type]


@dataclass
class DispatchReport:
    """Counts of notices (outbox rows), not of mails: a digest of five rows sent is five sent."""

    batches: int = 0
    mails: int = 0  # mails the server accepted
    sent: int = 0
    retried: int = 0  # the server was reached and refused for now (4xx, dropped): one attempt used
    failed: int = 0
    unreachable: bool = False  # the server could not be reached: stop for now, the rows wait
    waiting: int = 0  # rows given back untouched, their attempt returned, because the server was unreachable

    def add(self, other: "DispatchReport") -> None:
        self.batches += other.batches
        self.mails += other.mails
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.waiting += other.waiting
        self.unreachable = self.unreachable or other.unreachable

    def progress_line(self) -> str:
        """The running totals in zh-CN, as `sanshe dispatch` prints them and the flow run logs them."""
        return f"已处理 {self.batches} 批：发出 {self.mails} 封邮件，{self.sent} 条通知已发送"


Mail = tuple[ClaimedNotice, ...]  # the rows one mail carries: one row, or a part of a digest
ResultCallback = Callable[[int, SendFailure | None], None]


def clock_from(start: datetime, wall: Clock = system_clock) -> Clock:
    """A clock that starts at `start` and runs at the wall clock's pace (the service's clock in a simulation)."""
    offset = start - wall()
    return lambda: wall() + offset


def frozen_clock(now: datetime) -> Clock:
    """Time stands still: tests and benchmarks that name the moment of a run."""
    return lambda: now


async def send(
    pool: SmtpPool,
    mails: list[Mail],
    *,
    options: DispatchOptions,
    now: datetime,
    on_result: ResultCallback | None = None,
) -> list[SendFailure | None]:
    """Render and send each mail; rows no mail can carry (no address, no template) fail permanently."""
    sender = parse_sender(options.sender)

    def build(notices: Mail) -> Envelope | SendFailure:
        try:
            mail = compose(notices, sender=sender, public_url=options.public_url, now=now)
        except Undeliverable as exc:
            return SendFailure(True, str(exc))
        return Envelope(mail.as_bytes(), mail.envelope_sender, mail.envelope_recipient)

    return await pool.send_all(mails, build, on_result)


def record(
    session: Session,
    notices: Mail,
    failure: SendFailure | None,
    *,
    options: DispatchOptions,
    now: datetime,
    rng: random.Random,
    report: DispatchReport,
) -> None:
    """Write the outcome of one mail's rows into the session and `report`; the caller commits."""
    ids = [notice.id for notice in notices]
    if failure is None:
        mark_sent(session, ids, now=now)
        report.mails += 1
        report.sent += len(ids)
    elif failure.unreachable:
        release_unreached(session, ids, worker=options.worker, error=failure.error)
        report.waiting += len(ids)
        report.unreachable = True
    elif failure.permanent:
        mark_failed(session, ids, worker=options.worker, error=failure.error)
        report.failed += len(ids)
    elif mark_retry(
        session, notices, worker=options.worker, error=failure.error, now=now, policy=options.retry, rng=rng
    ):
        report.retried += len(ids)
    else:
        report.failed += len(ids)


async def dispatch_batch(
    session: Session,
    pool: SmtpPool,
    *,
    options: DispatchOptions,
    clock: Clock | None = None,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> DispatchReport:
    """One batch: claim (commit), then send each mail and commit its outcome at once, renewing the rest's leases.

    `clock` is read at the claim and after each mail; `now` instead stands for a clock that stands still.
    Returns an empty report when nothing is due.
    """
    clock = clock or (frozen_clock(now) if now is not None else system_clock)
    rng = rng or random.Random()
    claimed_at = clock()
    notices = claim_due(
        session,
        now=claimed_at,
        worker=options.worker,
        limit=options.batch_size,
        lease=options.lease,
        part_rows=options.part_rows,
    )
    session.commit()  # no transaction stays open while mail is on the wire (on SQLite it would hold the write lock)
    if not notices:
        return DispatchReport()
    mails = group_into_mails(notices)
    report = DispatchReport(batches=1)
    in_flight = {notice.id for notice in notices}
    renewed_at = claimed_at
    outage_to_clear = True  # the batch's first accepted mail ends any recorded outage, whoever recorded it
    unreached: list[SendFailure] = []

    def on_result(index: int, failure: SendFailure | None) -> None:
        nonlocal renewed_at, outage_to_clear
        at = clock()
        without_waiting_for_disk(session)
        record(session, mails[index], failure, options=options, now=at, rng=rng, report=report)
        in_flight.difference_update(notice.id for notice in mails[index])
        if failure is None and outage_to_clear:
            clear_outage(session)
            outage_to_clear = False
        if failure is not None and failure.unreachable:
            unreached.append(failure)
        if in_flight and at - renewed_at >= options.lease / 3:
            renew_leases(session, in_flight, worker=options.worker, until=at + options.lease)
            renewed_at = at
        session.commit()

    await send(pool, mails, options=options, now=claimed_at, on_result=on_result)
    if unreached:
        record_outage(session, at=clock(), error=unreached[0].error)
        session.commit()
    log.info(
        "dispatched batch: %d rows; %d mails accepted; rows sent %d, retried %d, failed %d, waiting %d",
        len(notices),
        report.mails,
        report.sent,
        report.retried,
        report.failed,
        report.waiting,
    )
    return report


BatchSender = Callable[[], Awaitable[DispatchReport]]  # one batch: the plain function, or the flow's task


async def dispatch_batches(
    send_batch: BatchSender,
    *,
    max_batches: int,
    after_batch: Callable[[DispatchReport], None] | None = None,
) -> DispatchReport:
    """The dispatcher's one loop: batches until nothing is due, the server is unreachable, or `max_batches`."""
    total = DispatchReport()
    for _ in range(max_batches):
        report = await send_batch()
        if report.batches == 0:
            break
        total.add(report)
        if after_batch is not None:
            after_batch(total)
        if report.unreachable:
            log.warning("mail server unreachable: %d notices wait for the next run", report.waiting)
            break
    return total


async def dispatch_due(
    session: Session,
    pool: SmtpPool,
    *,
    options: DispatchOptions,
    clock: Clock | None = None,
    now: datetime | None = None,
    max_batches: int = 1000,
    rng: random.Random | None = None,
    after_batch: Callable[[DispatchReport], None] | None = None,
) -> DispatchReport:
    """Every notice due on this session, without a Prefect server: the CLI, benchmarks and tests.

    `clock` defaults to the system clock; `now` instead runs the whole dispatch at one fixed moment.
    """
    return await dispatch_batches(
        partial(dispatch_batch, session, pool, options=options, clock=clock, now=now, rng=rng),
        max_batches=max_batches,
        after_batch=after_batch,
    )
