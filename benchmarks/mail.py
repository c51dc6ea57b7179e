"""5,000 notices through the outbox dispatcher versus a raw aiosmtplib loop on one connection, same run.

Both send to the dev mail catcher (aiosmtpd) in another process. The raw loop sends messages built in
advance (aiosmtplib serialises each in `send_message`); the dispatcher's time includes claiming,
rendering, building, serialising and marking every row. The two alternate in rounds so that a busy
machine slows both alike. Goal: dispatcher rate / raw rate >= 0.8.

    .venv/bin/python -m benchmarks.mail [--messages 5000] [--rounds 5] [--connections 4] [--backend sqlite|postgres]
"""

import argparse
import asyncio
import logging
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosmtplib
from sqlalchemy import insert
from sqlmodel import Session

from benchmarks.sweep import database
from models.notices import MESSAGE_ID_DOMAIN
from models.outbox import OutboxMessage, OutboxStatus
from service.mail.catcher import CatcherProcess
from service.mail.compose import OutgoingMail, compose, parse_sender
from service.mail.dispatcher import DispatchOptions, dispatch_due
from service.mail.outbox_leases import ClaimedNotice
from service.mail.transport import SmtpConfig, SmtpPool

log = logging.getLogger("benchmarks.mail")
SENDER = "三社联动平台 <noreply@sanshe.local>"
PUBLIC_URL = "http://127.0.0.1:8000"
START = datetime(2022, 11, 7, 1, 0, tzinfo=UTC)


@dataclass
class Tally:
    mails: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.mails / self.seconds

    @property
    def cpu_ms_per_mail(self) -> float:
        return 1000 * self.cpu_seconds / max(1, self.mails)


def params(i: int) -> dict[str, object]:
    return {
        "project_id": i,
        "project_title": f"邻里守望计划第{i}号",
        "event_label": "启动实施",
        "from_state_label": "已签订购买协议",
        "to_state_label": "实施中",
        "reason": None,
    }


def fill_outbox(session: Session, count: int, rounds: int) -> None:
    """Round r's rows fall due r minutes after START, so each round's dispatch claims only its own."""
    per_round = count // rounds
    session.execute(
        insert(OutboxMessage),
        [
            {
                "template": "project_started",
                "entity_type": "project",
                "entity_id": i,
                "recipient_party": "organisation",
                "recipient_name": f"第{i}社会工作服务中心",
                "recipient_address": f"org{i}@example.cn",
                "params": params(i),
                "message_id": f"<outbox.{i}@{MESSAGE_ID_DOMAIN}>",
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": START + timedelta(minutes=i // per_round),
                "created_at": START,
            }
            for i in range(per_round * rounds)
        ],
    )
    session.commit()


def prebuilt(count: int) -> list[OutgoingMail]:
    sender = parse_sender(SENDER)
    return [
        compose(
            [
                ClaimedNotice(
                    i,
                    "project_started",
                    "project",
                    i,
                    f"第{i}社会工作服务中心",
                    f"raw{i}@example.cn",
                    params(i),
                    f"<raw.{i}@{MESSAGE_ID_DOMAIN}>",
                    None,
                    1,
                )
            ],
            sender=sender,
            public_url=PUBLIC_URL,
            now=START,
        )
        for i in range(count)
    ]


async def raw_round(smtp: aiosmtplib.SMTP, mails: list[OutgoingMail], tally: Tally) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    for mail in mails:
        await smtp.send_message(mail.message, sender=mail.envelope_sender, recipients=[mail.envelope_recipient])
    tally.seconds += time.perf_counter() - started
    tally.cpu_seconds += time.process_time() - cpu
    tally.mails += len(mails)


async def outbox_round(session: Session, pool: SmtpPool, options: DispatchOptions, now: datetime, tally: Tally) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    report = await dispatch_due(session, pool, options=options, now=now, rng=random.Random(1))
    tally.seconds += time.perf_counter() - started
    tally.cpu_seconds += time.process_time() - cpu
    tally.mails += report.sent


async def compare(
    session: Session, catcher: CatcherProcess, *, messages: int, rounds: int, connections: int, batch_size: int
) -> tuple[Tally, Tally]:
    per_round = messages // rounds
    raw_mails = prebuilt(per_round * rounds)
    raw, outbox = Tally(), Tally()
    options = DispatchOptions(sender=SENDER, public_url=PUBLIC_URL, batch_size=batch_size)
    async with (
        aiosmtplib.SMTP(hostname=catcher.host, port=catcher.port, timeout=10, local_hostname="sanshe.local") as smtp,
        SmtpPool(SmtpConfig(catcher.host, catcher.port), size=connections) as pool,
    ):
        for r in range(rounds):
            chunk = raw_mails[r * per_round : (r + 1) * per_round]
            now = START + timedelta(minutes=r)
            if r % 2 == 0:
                await raw_round(smtp, chunk, raw)
                await outbox_round(session, pool, options, now, outbox)
            else:
                await outbox_round(session, pool, options, now, outbox)
                await raw_round(smtp, chunk, raw)
    return raw, outbox


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument(
        "--backend",
        default="sqlite",
        choices=["sqlite", "postgres"],
        help="a fresh SQLite file, or a PostgreSQL schema dropped afterwards",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)

    with tempfile.TemporaryDirectory() as tmp, database(args.backend) as engine:
        with CatcherProcess(Path(tmp) / "caught") as catcher, Session(engine, expire_on_commit=False) as session:
            fill_outbox(session, args.messages, args.rounds)
            raw, outbox = asyncio.run(
                compare(
                    session,
                    catcher,
                    messages=args.messages,
                    rounds=args.rounds,
                    connections=args.connections,
                    batch_size=args.batch_size,
                )
            )
            caught = len(list((Path(tmp) / "caught").glob("*.eml")))

    log.info(
        "raw aiosmtplib loop, 1 connection  : %5d mails in %6.2f s = %5.0f mails/s; client CPU %.2f ms/mail",
        raw.mails,
        raw.seconds,
        raw.rate,
        raw.cpu_ms_per_mail,
    )
    log.info(
        "outbox dispatcher, %d connections   : %5d mails in %6.2f s = %5.0f mails/s; client CPU %.2f ms/mail"
        " (claim, render, build, send, mark)",
        args.connections,
        outbox.mails,
        outbox.seconds,
        outbox.rate,
        outbox.cpu_ms_per_mail,
    )
    log.info("ratio dispatcher / raw             : %.2f (goal >= 0.8; %s)", outbox.rate / raw.rate, args.backend)
    log.info("caught by the server               : %d of %d", caught, raw.mails + outbox.mails)


if __name__ == "__main__":
    main()
