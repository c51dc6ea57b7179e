"""An unreachable mail server: rows wait with their attempts intact, the outage is recorded, recovery sends all."""

import asyncio
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import Session

from models.outbox import OutboxMessage, OutboxStatus
from service.mail.catcher import CatcherProcess
from service.mail.dispatcher import DispatchReport, dispatch_due
from service.mail.outage import mail_server_status
from service.mail.transport import SmtpConfig, SmtpPool
from tests.models.lifecycle_paths import IMPLEMENTATION_DAY
from tests.service.mail.builders import SmtpServer, address, caught, dispatch, options, rows, sweep_row

NOW = IMPLEMENTATION_DAY + timedelta(days=1)


def waiting_notices(session: Session, count: int) -> list[OutboxMessage]:
    return [
        sweep_row(
            session,
            template="node_overdue",
            address=address(),
            digest_key=None,
            now=NOW,
            project_id=i,
            project_title=f"项目{i}",
        )
        for i in range(count)
    ]


class SilentServer:
    """Accepts TCP connections (the kernel's backlog) and never greets: a server hung before its greeting."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.host, self.port = "127.0.0.1", int(self.socket.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.socket.close()


@pytest.mark.parametrize("fault", ["connection refused", "no such host", "no greeting"])
def test_an_unreachable_server_uses_no_attempt(
    session: Session, own_catcher: CatcherProcess, silent_server: SilentServer, fault: str
) -> None:
    """Guards release_unreached's `attempts=T.attempts - 1`: the claim's attempt is given back on an outage."""
    notices = waiting_notices(session, 3)
    own_catcher.stop()
    server: SmtpServer = silent_server if fault == "no greeting" else own_catcher
    host = "mail.sanshe.invalid" if fault == "no such host" else None

    report = dispatch(session, server, now=NOW, host=host, timeout_seconds=1)

    assert report.unreachable and (report.sent, report.retried, report.failed, report.waiting) == (0, 0, 0, 3)
    waiting = rows(session, [n.id for n in notices])
    assert all(r.status is OutboxStatus.PENDING and r.attempts == 0 and r.lease_until is None for r in waiting)
    assert all(r.next_attempt_at == NOW and "无法连接" in (r.last_error or "") for r in waiting)
    status = mail_server_status(session)
    assert status.status == "unreachable" and status.since == NOW and "无法连接" in (status.last_error or "")


def test_a_long_outage_burns_no_attempts_and_recovery_sends_everything_once(
    session: Session, own_catcher: CatcherProcess
) -> None:
    """Guards record()'s `elif failure.unreachable:` branch: runs against a dead server never fail a notice.

    Four hours of runs every five minutes (48 runs, with max_attempts=3) leave every notice pending; the first
    run after the server is back sends each once, and its first accepted mail clears the recorded outage.
    """
    notices = waiting_notices(session, 5)
    own_catcher.stop()
    at = NOW
    for _ in range(48):
        assert dispatch(session, own_catcher, now=at).waiting == 5
        at += timedelta(minutes=5)
    waiting = rows(session, [n.id for n in notices])
    assert {(r.status, r.attempts) for r in waiting} == {(OutboxStatus.PENDING, 0)}
    status = mail_server_status(session)
    assert (status.since, status.last_try_at) == (NOW, at - timedelta(minutes=5))

    own_catcher.start()
    back = dispatch(session, own_catcher, now=at)
    again = dispatch(session, own_catcher, now=at + timedelta(hours=1))

    assert (back.sent, back.waiting, again.batches) == (5, 0, 0)
    arrived = caught(own_catcher, {n.message_id for n in notices})
    assert sorted(m["Message-ID"] for m in arrived) == sorted(n.message_id for n in notices)
    assert {(r.status, r.attempts) for r in rows(session, [n.id for n in notices])} == {(OutboxStatus.SENT, 1)}
    assert mail_server_status(session).status == "ok"


def test_a_connection_the_server_dropped_between_runs_costs_no_attempt(
    session: Session, own_catcher: CatcherProcess
) -> None:
    """Guards SmtpPool.send_all's reconnect when a kept connection is found dropped: the mail is not blamed.

    The pool keeps its connection across runs; the server restarts in between, so the kept connection is dead.
    """
    (before,) = waiting_notices(session, 1)
    after = sweep_row(
        session, template="node_overdue", address=address(), digest_key=None, now=NOW + timedelta(minutes=1)
    )

    async def two_runs() -> tuple[DispatchReport, DispatchReport]:
        config = SmtpConfig(own_catcher.host, own_catcher.port, timeout_seconds=5)
        async with SmtpPool(config, size=1) as pool:
            first = await dispatch_due(session, pool, options=options(), now=NOW)
            own_catcher.stop()
            own_catcher.start()
            second = await dispatch_due(session, pool, options=options(), now=NOW + timedelta(minutes=1))
        return first, second

    first, second = asyncio.run(two_runs())

    assert (first.sent, second.sent, second.retried) == (1, 1, 0)
    assert [(r.status, r.attempts) for r in rows(session, [before.id, after.id])] == [(OutboxStatus.SENT, 1)] * 2
    assert len(caught(own_catcher, {after.message_id})) == 1
