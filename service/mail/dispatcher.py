"""The dispatcher: claim due notices, send them, record what happened — batch after batch.

Delivery is at least once. A row is marked sent only after the server accepted its mail; if the process
dies in between, the lease runs out and the mail goes again with the same Message-ID, so a receiver
sees at most one duplicate per such crash and can recognise it.
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

from service.mail.compose import Undeliverable, compose, group_into_mails, parse_sender
from service.mail.outbox_leases import ClaimedNotice, claim_due, mark_failed, mark_retry, mark_sent
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

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> "DispatchOptions":
        return cls(sender=settings.smtp_sender, public_url=settings.public_url, **overrides)  # type: ignore[arg-type]


@dataclass
class DispatchReport:
    """Counts of notices (outbox rows), not of mails: a digest of five rows sent is five sent."""

    batches: int = 0
    mails: int = 0  # mails the server accepted
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unreachable: bool = False  # the server could not be reached: stop for now, the rows wait

    def add(self, other: "DispatchReport") -> None:
        self.batches += other.batches
        self.mails += other.mails
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.unreachable = self.unreachable or other.unreachable

    def progress_line(self) -> str:
        """The running totals in zh-CN, as `sanshe dispatch` prints them and the flow run logs them."""
        return f"已处理 {self.batches} 批：发出 {self.mails} 封邮件，{self.sent} 条通知已发送"


Mail = tuple[ClaimedNotice, ...]  # the rows one mail carries: one row, or a digest's rows


async def send(
    pool: SmtpPool, mails: list[Mail], *, options: DispatchOptions, now: datetime
) -> list[SendFailure | None]:
    """Render and send each mail; rows no mail can carry (no address, no template) fail permanently."""
    sender = parse_sender(options.sender)

    def build(notices: Mail) -> Envelope | SendFailure:
        try:
            mail = compose(notices, sender=sender, public_url=options.public_url, now=now)
        except Undeliverable as exc:
            return SendFailure(True, str(exc))
        return Envelope(mail.as_bytes(), mail.envelope_sender, mail.envelope_recipient)

    return await pool.send_all(mails, build)


def record(
    session: Session,
    mails: list[Mail],
    results: list[SendFailure | None],
    *,
    options: DispatchOptions,
    now: datetime,
    rng: random.Random,
) -> DispatchReport:
    """Write each row's outcome; the caller commits."""
    report = DispatchReport(batches=1)
    sent_ids: list[int] = []
    for notices, failure in zip(mails, results, strict=True):
        if failure is None:
            sent_ids.extend(notice.id for notice in notices)
            report.mails += 1
        elif failure.permanent:
            mark_failed(session, [n.id for n in notices], worker=options.worker, error=failure.error)
            report.failed += len(notices)
        elif mark_retry(
            session, notices, worker=options.worker, error=failure.error, now=now, policy=options.retry, rng=rng
        ):
            report.retried += len(notices)
        else:
            report.failed += len(notices)
    mark_sent(session, sent_ids, now=now)
    report.sent = len(sent_ids)
    report.unreachable = any(failure is not None and failure.unreachable for failure in results)
    return report


async def dispatch_batch(
    session: Session, pool: SmtpPool, *, options: DispatchOptions, now: datetime, rng: random.Random | None = None
) -> DispatchReport:
    """One batch: claim (commit), send, record (commit). Returns an empty report when nothing is due."""
    notices = claim_due(session, now=now, worker=options.worker, limit=options.batch_size, lease=options.lease)
    session.commit()
    if not notices:
        return DispatchReport()
    mails = group_into_mails(notices)
    results = await send(pool, mails, options=options, now=now)
    report = record(session, mails, results, options=options, now=now, rng=rng or random.Random())
    session.commit()
    log.info(
        "dispatched batch: %d rows; %d mails accepted; rows sent %d, retried %d, failed %d",
        len(notices),
        report.mails,
        report.sent,
        report.retried,
        report.failed,
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
            log.warning("mail server unreachable: %d notices wait for the next attempt", report.retried)
            break
    return total


async def dispatch_due(
    session: Session,
    pool: SmtpPool,
    *,
    options: DispatchOptions,
    now: datetime,
    max_batches: int = 1000,
    rng: random.Random | None = None,
    after_batch: Callable[[DispatchReport], None] | None = None,
) -> DispatchReport:
    """Every notice due at `now` on this session, without a Prefect server: the CLI, benchmarks and tests."""
    return await dispatch_batches(
        partial(dispatch_batch, session, pool, options=options, now=now, rng=rng),
        max_batches=max_batches,
        after_batch=after_batch,
    )
