"""Mail dispatch under faults, from outside: `sanshe dispatch` processes and a real SMTP server on 127.0.0.1.

Two dispatchers at once split no digest and send nothing twice; a dispatcher killed between the server's
storing a mail and its reply costs one duplicate of that one mail; a four-hour outage uses up no attempts
and loses nothing; and one sweep's 100,000 notices go out on PostgreSQL. Every test reads what the server
stored and what the outbox says, never the dispatcher's own account.
"""

import asyncio
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from benchmarks.sweep import AS_OF as SWEEP_DAY
from benchmarks.sweep import NOW as SWEPT_AT
from benchmarks.sweep import populate
from models.dates import SHANGHAI
from models.migrate import fresh_database
from schedules.sweep import sweep
from service.app import create_app
from service.mail.catcher import free_port
from service.mail.dispatcher import DispatchOptions, DispatchReport, dispatch_due
from service.mail.outbox_leases import DIGEST_PART_ROWS
from service.mail.transport import SmtpConfig, SmtpPool
from service.settings import Settings
from tests.conftest import BACKENDS, postgres_database
from tests.processes import database_url
from tests.reliability.outbox_fill import (
    QueuedRow,
    outbox_counts,
    queue_notices,
    queued_rows,
    set_service_clock,
)
from tests.reliability.smtp_servers import Received, RecordingServer, ServerBehaviour, sent_twice

AS_OF = date(2023, 3, 1)
START = datetime(2023, 3, 1, 9, 0, tzinfo=SHANGHAI)  # the service's time when the dispatchers run
QUEUED_AT = START - timedelta(minutes=1)
SENDER = "三社联动平台 <noreply@sanshe.local>"
PUBLIC_URL = "http://console.example.cn"
log = logging.getLogger(__name__)
MAILED = re.compile(r"发出 (\d+) 封邮件")  # the last line `sanshe dispatch` prints


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A fresh database of the test's own, committed to, so that other processes see its rows."""
    if request.param == "sqlite":
        with fresh_database("sqlite", prefix="sanshe-reliability") as engine:
            yield engine
    else:
        yield from postgres_database("sanshe_reliability")


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Every child process a test starts; whatever still runs at the end is killed, by its own pid."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for child in started:
        if child.poll() is None:
            child.kill()
        child.wait(30)


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str


def start_dispatch(
    children: list[subprocess.Popen[bytes]],
    tmp_path: Path,
    engine: Engine,
    server: RecordingServer,
    *,
    name: str,
    batch_size: int,
    connections: int,
) -> subprocess.Popen[bytes]:
    """`sanshe dispatch` in a child process on the test's database, at the stored (simulated) service time."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SANSHE_")}
    environment |= {
        "SANSHE_DATABASE_URL": database_url(engine),
        "SANSHE_SMTP_HOST": server.host,
        "SANSHE_SMTP_PORT": str(server.port),
        "SANSHE_SMTP_TIMEOUT_SECONDS": "30",
        "SANSHE_SIMULATED_CLOCK": "true",
        "SANSHE_FILES_DIR": str(tmp_path / "files"),
        "SANSHE_PUBLIC_URL": PUBLIC_URL,
    }
    command = [sys.executable, "-m", "service.cli", "dispatch", "--batch-size", str(batch_size)]
    command += ["--connections", str(connections)]
    with (tmp_path / f"{name}.out").open("wb") as out, (tmp_path / f"{name}.err").open("wb") as err:
        child = subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=out, stderr=err)
    children.append(child)
    return child


def finish(child: subprocess.Popen[bytes], tmp_path: Path, name: str, *, timeout: float) -> Finished:
    child.wait(timeout)
    return Finished(
        child.returncode,
        (tmp_path / f"{name}.out").read_text(encoding="utf-8"),
        (tmp_path / f"{name}.err").read_text(encoding="utf-8"),
    )


async def dispatch_once(engine: Engine, config: SmtpConfig, options: DispatchOptions, now: datetime) -> DispatchReport:
    """One run of the dispatcher as `sanshe dispatch` makes it, at a chosen moment."""
    async with SmtpPool(config, size=2) as pool:
        with Session(engine, expire_on_commit=False) as session:
            return await dispatch_due(session, pool, options=options, now=now)


def expected_parts(rows: list[QueuedRow], part_rows: int) -> dict[str, frozenset[int]]:
    """One office's digest as it must arrive: numbered parts of at most `part_rows` rows in id order, each
    under its first row's Message-ID."""
    rows = sorted(rows, key=lambda row: row.id)
    chunks = (rows[start : start + part_rows] for start in range(0, len(rows), part_rows))
    return {chunk[0].message_id: frozenset(row.entity_id for row in chunk) for chunk in chunks}


def delivery_problems(
    mails: list[Received], queued: list[QueuedRow], *, duplicates: Counter[str] | None = None
) -> list[str]:
    """Everything that differs from each notice delivered once and each digest part whole, in one mail.

    `duplicates` are the Message-IDs allowed to arrive twice (a crash's).
    """
    allowed = duplicates or Counter()
    problems = []
    arrivals = Counter(mail.message_id for mail in mails)
    for message_id in arrivals.keys() | allowed.keys():
        if arrivals[message_id] != 1 + allowed[message_id]:
            problems.append(f"{message_id} arrived {arrivals[message_id]} times, {1 + allowed[message_id]} expected")
    digests: dict[tuple[str, str], list[QueuedRow]] = defaultdict(list)
    for row in queued:
        if row.digest_key is not None:
            digests[(row.digest_key, row.address)].append(row)
        elif {mail.recipient for mail in mails if mail.message_id == row.message_id} != {row.address}:
            problems.append(f"single notice {row.message_id} never arrived at {row.address}")
    received: dict[str, dict[str, set[frozenset[int]]]] = defaultdict(lambda: defaultdict(set))
    for mail in mails:
        if mail.nodes:
            received[mail.recipient][mail.message_id].add(frozenset(mail.nodes))
    for (_, address), rows in digests.items():
        expected = {message_id: {nodes} for message_id, nodes in expected_parts(rows, DIGEST_PART_ROWS).items()}
        got = received[address]
        if got != expected:
            sizes = sorted(len(nodes) for parts in got.values() for nodes in parts)
            problems.append(f"{address}: {len(rows)} rows expected in {len(expected)} parts, got mails of {sizes}")
    return problems


def two_dispatchers(
    database: Engine,
    tmp_path: Path,
    children: list[subprocess.Popen[bytes]],
    *,
    late_nodes: list[int],
    singles: int,
    batch_size: int,
    connections: int,
) -> None:
    """Queue a sweep's digests and some single notices, run two `sanshe dispatch` at once, judge the delivery."""
    with Session(database) as session:
        queue_notices(session, late_nodes=late_nodes, singles=singles, as_of=AS_OF, now=QUEUED_AT)
    set_service_clock(database, START)
    # The first mails wait until more connections wait together than one dispatcher opens (both are sending).
    behaviour = ServerBehaviour(tmp_path / "mail.jsonl", reply_delay_seconds=0.003, gate_sessions=connections + 1)
    with RecordingServer(behaviour) as server:
        first, second = (
            start_dispatch(
                children, tmp_path, database, server, name=name, batch_size=batch_size, connections=connections
            )
            for name in ("first", "second")
        )
        results = [finish(child, tmp_path, name, timeout=600) for child, name in ((first, "first"), (second, "second"))]
        mails = server.received()
    for result in results:
        assert result.returncode == 0, result.stderr[-3000:]
    # The gate held the first mails in flight until the other dispatcher sent too, or for its timeout: each
    # dispatcher mailing something means each claimed while the other had rows in flight.
    mailed = [int(match.group(1)) for r in results if (match := MAILED.search(r.stdout))]
    assert len(mailed) == 2 and min(mailed) > 0, f"one dispatcher did all the work: {mailed}"
    counts = outbox_counts(database)
    queued = queued_rows(database)
    assert counts["sent"] == len(queued) and counts["pending"] == 0 and counts["failed"] == 0, counts
    assert sent_twice(mails) == {}
    assert delivery_problems(mails, queued) == []


def test_two_dispatchers_at_once_split_no_digest_and_send_nothing_twice(
    database: Engine, tmp_path: Path, children: list[subprocess.Popen[bytes]]
) -> None:
    """Guards the lease condition of `_due` in service/mail/outbox_leases.py (`lease_until <= now`: a row leased to
    one dispatcher is not due for another): without it the second dispatcher mails rows the first has in flight.
    On SQLite it also guards the `BEGIN IMMEDIATE` of models/database.py: with a deferred BEGIN the second
    dispatcher's claim fails at once with "database is locked" while the first writes."""
    two_dispatchers(
        database,
        tmp_path,
        children,
        late_nodes=[8] * 12 + [450, 230],  # two offices' digests go out in numbered parts
        singles=60,
        batch_size=20,
        connections=2,
    )


@pytest.mark.reliability
def test_two_dispatchers_at_scale_split_no_digest_and_send_nothing_twice(
    database: Engine, tmp_path: Path, children: list[subprocess.Popen[bytes]]
) -> None:
    """Guards the same lines as the fast variant, over many batches of four connections each."""
    two_dispatchers(
        database,
        tmp_path,
        children,
        late_nodes=[30] * 100 + [650] * 10,
        singles=2000,
        batch_size=50,
        connections=4,
    )


def kill_between_send_and_mark(
    database: Engine,
    tmp_path: Path,
    children: list[subprocess.Popen[bytes]],
    *,
    late_nodes: list[int],
    singles: int,
    batch_size: int,
    hold_at: int,
) -> None:
    """Kill -9 a dispatcher while the server has stored mail `hold_at` but not yet answered; dispatch again."""
    with Session(database) as session:
        queue_notices(session, late_nodes=late_nodes, singles=singles, as_of=AS_OF, now=QUEUED_AT)
    set_service_clock(database, START)
    behaviour = ServerBehaviour(tmp_path / "mail.jsonl", hold_at=hold_at, hold_seconds=120)
    with RecordingServer(behaviour) as server:
        # One connection: while the held mail waits, no other mail is between the server's 250 and its mark.
        killed = start_dispatch(
            children, tmp_path, database, server, name="killed", batch_size=batch_size, connections=1
        )
        server.wait_until_holding(timeout=120)
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait(30)
        held = server.received()[hold_at - 1]

        # Within the lease the dead dispatcher's rows stay claimed: the held mail is not sent again yet.
        options = DispatchOptions(sender=SENDER, public_url=PUBLIC_URL, batch_size=batch_size)
        up = SmtpConfig(server.host, server.port, timeout_seconds=10)
        asyncio.run(dispatch_once(database, up, options, START + timedelta(minutes=1)))
        assert Counter(m.message_id for m in server.received())[held.message_id] == 1

        set_service_clock(database, START + timedelta(minutes=30))  # every lease of the killed run has ended
        late = start_dispatch(children, tmp_path, database, server, name="late", batch_size=batch_size, connections=2)
        result = finish(late, tmp_path, "late", timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        mails = server.received()
    counts = outbox_counts(database)
    queued = queued_rows(database)
    assert counts["sent"] == len(queued) and counts["pending"] == 0 and counts["failed"] == 0, counts
    assert sent_twice(mails) == {held.message_id: 2}
    assert delivery_problems(mails, queued, duplicates=Counter([held.message_id])) == []


def test_a_kill_between_send_and_mark_duplicates_that_one_mail_only(
    database: Engine, tmp_path: Path, children: list[subprocess.Popen[bytes]]
) -> None:
    """Guards `on_result=on_result` in `dispatch_batch` (service/mail/dispatcher.py): each mail's rows are marked
    sent and committed as soon as the server accepts it. Marked after the whole batch instead, every mail of the
    killed batch accepted before the held one arrives twice."""
    kill_between_send_and_mark(
        database, tmp_path, children, late_nodes=[3] * 6 + [25], singles=20, batch_size=10, hold_at=7
    )


@pytest.mark.reliability
def test_kills_at_many_points_each_duplicate_one_mail_only(
    database: Engine, tmp_path: Path, children: list[subprocess.Popen[bytes]]
) -> None:
    """Guards the same line as the fast variant, with the kill early, mid-batch and deep into a long run."""
    for hold_at in (1, 17, 130):
        folder = tmp_path / f"kill-at-{hold_at}"
        folder.mkdir()
        with database.begin() as connection:
            connection.exec_driver_sql("DELETE FROM outboxmessage")
        kill_between_send_and_mark(
            database, folder, children, late_nodes=[6] * 20 + [80], singles=120, batch_size=25, hold_at=hold_at
        )


@contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never greets: the server hangs before its 220."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        yield int(listener.getsockname()[1])


def outage_then_recovery(database: Engine, tmp_path: Path, *, offices: int, singles: int, hours: int) -> None:
    """A run every 5 simulated minutes for `hours` against a closed port, the last hour against a server that
    never greets; then against a live server. `/health` says since when the server is unreachable."""
    settings = Settings(secret_key=uuid.uuid4().hex * 2, files_dir=tmp_path / "files", scheduler_enabled=False)
    health = TestClient(create_app(settings=settings, engine=database))
    with Session(database) as session:
        queue_notices(session, late_nodes=[4] * offices, singles=singles, as_of=AS_OF, now=QUEUED_AT)
    options = DispatchOptions(sender=SENDER, public_url=PUBLIC_URL, batch_size=20)  # production's retry policy
    step = timedelta(minutes=5)
    runs = hours * 12
    with silent_server() as silent_port:
        refused = SmtpConfig("127.0.0.1", free_port(), timeout_seconds=2)  # nothing listens: connection refused
        silent = SmtpConfig("127.0.0.1", silent_port, timeout_seconds=0.3)
        for run in range(runs):
            config = silent if run >= runs - 12 else refused
            report = asyncio.run(dispatch_once(database, config, options, START + run * step))
            assert report.mails == 0, (run, report)
            counts = outbox_counts(database)
            assert counts["failed"] == 0 and counts["sent"] == 0, (run, counts)
            assert counts["max_attempts"] == 0, f"run {run}: an outage used up attempts: {counts}"
            mail = health.get("/health").json()["mail"]
            assert mail["message"] == "邮件服务器不可达，自 2023年3月1日 09:00 起", (run, mail)
            assert datetime.fromisoformat(mail["last_try"]) >= START + run * step
    behaviour = ServerBehaviour(tmp_path / "mail.jsonl")
    with RecordingServer(behaviour) as server:
        up = SmtpConfig(server.host, server.port, timeout_seconds=10)
        for run in range(runs, runs + 24):  # within two hours of recovery every notice has gone
            asyncio.run(dispatch_once(database, up, options, START + run * step))
            if outbox_counts(database)["pending"] == 0:
                break
        mails = server.received()
    counts = outbox_counts(database)
    queued = queued_rows(database)
    assert counts["sent"] == len(queued) and counts["pending"] == 0 and counts["failed"] == 0, counts
    assert delivery_problems(mails, queued) == []
    assert health.get("/health").json()["mail"]["status"] == "ok"


def test_four_hours_without_a_mail_server_lose_nothing(database: Engine, tmp_path: Path) -> None:
    """Guards the `elif failure.unreachable:` branch of `record` in service/mail/dispatcher.py (an unreachable
    server's rows are released with their attempt given back): without it each run uses an attempt on every
    row it claims, and within the four hours every row has failed for good. The `/health` check guards
    `record_outage(...)` in `dispatch_batch`."""
    outage_then_recovery(database, tmp_path, offices=5, singles=10, hours=4)


@pytest.mark.reliability
def test_a_day_without_a_mail_server_loses_nothing(database: Engine, tmp_path: Path) -> None:
    """Guards the same line as the fast variant, over a whole day and more notices."""
    outage_then_recovery(database, tmp_path, offices=40, singles=200, hours=24)


@pytest.mark.reliability
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_one_sweeps_100000_notices_are_all_dispatched(
    database: Engine, tmp_path: Path, children: list[subprocess.Popen[bytes]]
) -> None:
    """Guards `.limit(part_rows)` in `_lease_digest_part` (service/mail/outbox_leases.py): a digest is claimed at
    most a part at a time. Without it each street office's 1,000 late nodes go out in one mail, not 5 parts."""
    populate(database, 100_000)
    with Session(database, expire_on_commit=False) as session:
        swept = sweep(session, as_of=SWEEP_DAY, now=SWEPT_AT)
    queued = queued_rows(database)
    assert len(queued) == 100_000, swept
    set_service_clock(database, SWEPT_AT + timedelta(minutes=1))
    batch_size = 500
    with RecordingServer(ServerBehaviour(tmp_path / "mail.jsonl")) as server:
        started = time.perf_counter()
        child = start_dispatch(
            children, tmp_path, database, server, name="dispatch", batch_size=batch_size, connections=4
        )
        result = finish(child, tmp_path, "dispatch", timeout=1800)
        seconds = time.perf_counter() - started
        mails = server.received()
    assert result.returncode == 0, result.stderr[-3000:]
    counts = outbox_counts(database)
    assert counts["sent"] == len(queued) and counts["pending"] == 0 and counts["failed"] == 0, counts
    assert delivery_problems(mails, queued) == []
    log.warning("%d notices in %d mails dispatched in %.1f s", len(queued), len(mails), seconds)
