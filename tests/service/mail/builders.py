"""Outbox rows as the transitions and the deadline sweep write them, and a dispatcher aimed at a catcher."""

import asyncio
import email
import email.policy
import random
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from sqlmodel import Session, select

from models.notices import MESSAGE_ID_DOMAIN
from models.outbox import OutboxMessage
from service.clock import Clock
from service.mail.catcher import CatcherProcess
from service.mail.dispatcher import DispatchOptions, DispatchReport, dispatch_due
from service.mail.outbox_leases import ClaimedNotice
from service.mail.retry import RetryPolicy
from service.mail.transport import SmtpConfig, SmtpPool
from tests.factories import unique

SENDER = "三社联动平台 <noreply@sanshe.local>"
PUBLIC_URL = "http://console.example.cn"


class SmtpServer(Protocol):
    host: str
    port: int


def options(**overrides: Any) -> DispatchOptions:
    values: dict[str, Any] = dict(
        sender=SENDER,
        public_url=PUBLIC_URL,
        batch_size=50,
        lease=timedelta(minutes=5),
        retry=RetryPolicy(max_attempts=3, base_seconds=60, max_seconds=600),
    )
    values.update(overrides)
    return DispatchOptions(**values)


def dispatch(
    session: Session,
    catcher: SmtpServer,
    *,
    now: datetime | None = None,
    clock: Clock | None = None,
    connections: int = 2,
    host: str | None = None,
    timeout_seconds: float = 5,
    max_batches: int = 1000,
    **overrides: Any,
) -> DispatchReport:
    """Run the dispatcher once against the catcher, as `sanshe dispatch` does: at `now`, or on a faked `clock`."""
    config = SmtpConfig(host or catcher.host, catcher.port, timeout_seconds=timeout_seconds)

    async def run() -> DispatchReport:
        async with SmtpPool(config, size=connections) as pool:
            return await dispatch_due(
                session,
                pool,
                options=options(**overrides),
                clock=clock,
                now=now,
                max_batches=max_batches,
                rng=random.Random(7),
            )

    return asyncio.run(run())


def digest_rows(session: Session, *, count: int, office: str, digest_key: str, now: datetime) -> list[OutboxMessage]:
    """One office's late nodes of one sweep, in id order."""
    return [
        sweep_row(
            session,
            template="node_overdue",
            address=office,
            digest_key=digest_key,
            now=now,
            project_id=i,
            project_title=f"项目{i}",
            node_title=f"第{i}号节点",
        )
        for i in range(1, count + 1)
    ]


def sweep_row(
    session: Session,
    *,
    template: str,
    address: str | None,
    digest_key: str | None,
    now: datetime,
    name: str = "东岗街道办事处",
    **params: Any,
) -> OutboxMessage:
    """A row the way the deadline sweep writes it: one per (node, rung, party), a deterministic Message-ID."""
    dedupe = unique("rung-")
    row = OutboxMessage(
        template=template,
        entity_type="node",
        entity_id=1,
        recipient_party="street_office",
        recipient_name=name,
        recipient_address=address,
        params=params,
        message_id=f"<{dedupe}@{MESSAGE_ID_DOMAIN}>",
        dedupe_key=dedupe,
        digest_key=digest_key,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def caught(catcher: CatcherProcess, message_ids: set[str]) -> list[EmailMessage]:
    """The caught mails with these Message-IDs, parsed by the standard library."""
    directory = catcher.directory
    assert directory is not None
    found = []
    for path in sorted(Path(directory).glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["Message-ID"] in message_ids:
            found.append(message)  # type: ignore[arg-type]
    return found


def rows(session: Session, ids: list[int | None]) -> list[OutboxMessage]:
    found = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))  # type: ignore[union-attr]
        .order_by(OutboxMessage.id)  # type: ignore[arg-type]
        .execution_options(populate_existing=True)
    ).all()
    return list(found)


def address() -> str:
    return f"{unique('to-')}@example.cn"


def new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@{MESSAGE_ID_DOMAIN}>"


def claimed(row: OutboxMessage) -> ClaimedNotice:
    """The row as the dispatcher claims it; an office with no address still gets its words checked."""
    assert row.id is not None
    address = row.recipient_address or "no-address@example.cn"
    return ClaimedNotice(
        row.id,
        row.template,
        row.entity_type,
        row.entity_id,
        row.recipient_name,
        address,
        row.params,
        row.message_id,
        row.digest_key,
        row.attempts,
        row.digest_part,
        row.digest_parts,
    )
