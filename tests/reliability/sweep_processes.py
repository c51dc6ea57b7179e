"""Sweeps run as an operator runs them, each `sanshe sweep --direct` a process of its own, on benchmark data.

The data and the reference result come from `benchmarks.sweep`; here live the database a child process can
reach by URL, the child process read line by line as it reports each batch, and the rows a sweep leaves behind.
"""

import hashlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import DateTime, Engine, MetaData, Table, func, make_url, select, text
from sqlalchemy.engine import Connection

from benchmarks.sweep import AS_OF, DUE, LATE5_ON, populate, reference, reset
from models.escalation import EscalationClaim
from models.migrate import fresh_database
from models.node import Node
from models.outbox import OutboxMessage
from tests.conftest import POSTGRES_URL, postgres_database

ROOT = Path(__file__).resolve().parents[2]
CLAIMS: Table = EscalationClaim.__table__  # type: ignore[attr-defined]
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
PROGRESS = re.compile(r"督办 (?P<day>\S+)：第 (?P<done>\d+)/(?P<batches>\d+) 批完成，已排队通知 (?P<notices>\d+) 条")
SUMMARY = re.compile(
    r"(?P<day>\S+)：到期节点 (?P<due>\d+) 个，分 (?P<batches>\d+) 批，"
    r"新升级 (?P<rungs>\d+) 级次，通知 (?P<notices>\d+) 条"
)
NOTICES_PER_CLAIM = 2  # the benchmark's late-1 tells the community and the street office


@dataclass(frozen=True)
class SweepDatabase:
    """A fresh database with the benchmark's data, and the URL a child process is given to reach it."""

    engine: Engine
    url: str


@contextmanager
def sweep_database(backend: str, projects: int) -> Iterator[SweepDatabase]:
    """A SQLite file, or a PostgreSQL schema of its own, filled by the benchmark's `populate`; dropped afterwards."""
    with ExitStack() as stack:
        if backend == "sqlite":
            engine = stack.enter_context(fresh_database("sqlite", prefix="sanshe-faults"))
            url = engine.url.render_as_string(hide_password=False)
        else:
            engine = stack.enter_context(contextmanager(postgres_database)("sanshe_faults"))
            with engine.connect() as connection:
                schema = connection.execute(text("SELECT current_schema()")).scalar_one()
            address = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
            url = address.render_as_string(hide_password=False)
        populate(engine, projects)
        yield SweepDatabase(engine=engine, url=url)


@dataclass(frozen=True)
class SweepRows:
    """What a sweep leaves: the day's claims, the notices, every node's next rung; times left out (wall clock)."""

    claims: list[tuple[str, ...]]
    notices: list[tuple[str, ...]]
    next_rungs: Counter[tuple[str, str]]  # (next rung index, its day) -> nodes
    next_rungs_digest: str  # every node's (id, next rung index, day), in id order

    def differences(self, expected: "SweepRows") -> list[str]:
        """The ways these rows differ from `expected`, in words a failing assertion can show."""
        found = []
        for name in ("claims", "notices"):
            ours, theirs = Counter(getattr(self, name)), Counter(getattr(expected, name))
            extra, missing = ours - theirs, theirs - ours
            if extra or missing:
                found.append(
                    f"{name}: {len(getattr(self, name))} rows, expected {len(getattr(expected, name))}; "
                    f"{sum(extra.values())} extra (e.g. {list(extra)[:2]}), "
                    f"{sum(missing.values())} missing (e.g. {list(missing)[:2]})"
                )
        if self.next_rungs != expected.next_rungs or self.next_rungs_digest != expected.next_rungs_digest:
            found.append(f"next rungs: {dict(self.next_rungs)}, expected {dict(expected.next_rungs)}")
        return found


def _described(engine: Engine, table: Table) -> tuple[Table, list[Any]]:
    """The table as the database has it, and the columns that say what a row is: not its id, not clock times."""
    found = Table(table.name, MetaData(), autoload_with=engine)
    return found, [column for column in found.c if column.name != "id" and not isinstance(column.type, DateTime)]


def _text(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False) if isinstance(value, dict) else str(value)


def sweep_rows(engine: Engine) -> SweepRows:
    """The rows of the benchmark's day, sorted, duplicates kept: a notice queued twice shows as two."""
    claims_table, claims_columns = _described(engine, CLAIMS)
    _, notices_columns = _described(engine, OUTBOX)
    with engine.connect() as c:
        today = select(*claims_columns).where(claims_table.c.as_of == AS_OF)
        claims = sorted(tuple(map(_text, row)) for row in c.execute(today))
        notices = sorted(tuple(map(_text, row)) for row in c.execute(select(*notices_columns)))
        counts = c.execute(
            select(Node.next_rung_index, Node.next_rung_on, func.count()).group_by(  # type: ignore[arg-type]
                Node.next_rung_index, Node.next_rung_on
            )
        )
        next_rungs = Counter({(str(index), str(day)): int(n) for index, day, n in counts})
        digest = hashlib.sha256()
        ordered = select(Node.id, Node.next_rung_index, Node.next_rung_on).order_by(Node.id)  # type: ignore[arg-type]
        for row in c.execute(ordered):
            digest.update(repr(tuple(row)).encode())
    return SweepRows(claims=claims, notices=notices, next_rungs=next_rungs, next_rungs_digest=digest.hexdigest())


def reference_rows(engine: Engine) -> SweepRows:
    """The benchmark's hand-written reference on this data, read back, then the data as it was before any sweep."""
    reference(engine)
    rows = sweep_rows(engine)
    reset(engine)
    assert len(rows.claims) * NOTICES_PER_CLAIM == len(rows.notices) > 0, "the benchmark's day has nothing due"
    return rows


@dataclass(frozen=True)
class Committed:
    """What a sweep has committed so far: the day's claims, the notices, the nodes moved on to late-5."""

    claims: int
    notices: int
    moved: int

    def whole_batches(self) -> bool:
        """Each claim with its two notices and its node moved on: no batch half written."""
        return self.notices == NOTICES_PER_CLAIM * self.claims and self.moved == self.claims


def committed(engine: Engine) -> Committed:
    with engine.connect() as c:
        return Committed(
            claims=_count(c, select(func.count()).select_from(CLAIMS).where(CLAIMS.c.as_of == AS_OF)),
            notices=_count(c, select(func.count()).select_from(OUTBOX)),
            moved=_count(
                c,
                select(func.count())
                .select_from(Node)
                .where(Node.due_date == DUE, Node.next_rung_index == 2, Node.next_rung_on == LATE5_ON),  # type: ignore[arg-type]
            ),
        )


def _count(connection: Connection, query: Any) -> int:
    return int(connection.execute(query).scalar_one())


@dataclass(frozen=True)
class Progress:
    """One progress line of a running sweep, and when the test read it."""

    done: int
    batches: int
    notices: int
    at: float  # time.monotonic()


@dataclass(frozen=True)
class Summary:
    """The sweep's closing line on stdout."""

    due: int
    batches: int
    rungs: int
    notices: int


@dataclass
class Finished:
    """A sweep process that ended by itself: its exit status, its output, the batches it reported."""

    returncode: int
    stdout: str
    stderr: str
    progress: list[Progress] = field(default_factory=list)

    def summary(self) -> Summary:
        found = SUMMARY.search(self.stdout)
        assert found is not None, f"no summary on stdout:\n{self.stdout}\n{self.stderr}"
        return Summary(*(int(found[name]) for name in ("due", "batches", "rungs", "notices")))


class SweepProcess:
    """`python -m service.cli sweep --direct` in a child process, its progress lines read as they come.

    Every wait is bounded; leaving the `with` block kills the child if it is still running.
    """

    def __init__(self, database_url: str, *, batch_size: int, timeout: float) -> None:
        self.timeout = timeout
        self.started = time.monotonic()
        self.progress: list[Progress] = []
        self._lines: queue.Queue[Progress | None] = queue.Queue()
        self._stdout: list[str] = []
        self._stderr: list[str] = []
        env = {k: v for k, v in os.environ.items() if not k.startswith("SANSHE_")}
        env.update(SANSHE_DATABASE_URL=database_url, PYTHONPATH=str(ROOT))
        self._folder = tempfile.TemporaryDirectory(prefix="sanshe-sweep-")  # no .env of the repo is read
        command = [sys.executable, "-m", "service.cli", "sweep", "--direct", "--as-of", AS_OF.isoformat()]
        self.process = subprocess.Popen(
            [*command, "--batch-size", str(batch_size)],
            cwd=self._folder.name,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self._stdout, False), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self._stderr, True), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: IO[str], into: list[str], progress: bool) -> None:
        for line in stream:
            into.append(line)
            found = PROGRESS.search(line) if progress else None
            if found is not None:
                self._lines.put(
                    Progress(int(found["done"]), int(found["batches"]), int(found["notices"]), time.monotonic())
                )
        if progress:
            self._lines.put(None)

    def wait_for_batch(self, batch: int) -> Progress:
        """Block until the child reports `batch` done; fails if it ends first or the timeout passes."""
        deadline = self.started + self.timeout
        while not self.progress or self.progress[-1].done < batch:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no batch {batch} within {self.timeout} s:\n{''.join(self._stderr)}") from None
            if line is None:
                self.process.wait(timeout=10)
                raise AssertionError(
                    f"the sweep ended (exit {self.process.returncode}) before batch {batch}:\n{''.join(self._stderr)}"
                )
            self.progress.append(line)
        return self.progress[-1]

    def kill(self) -> int:
        """SIGKILL, as the OOM killer or a pulled plug would; the exit status says whether it was still running."""
        self.process.send_signal(signal.SIGKILL)
        return self.process.wait(timeout=10)

    def finish(self) -> Finished:
        """Wait for the child to end by itself, within the timeout."""
        self.process.wait(timeout=max(1.0, self.started + self.timeout - time.monotonic()))
        for reader in self._readers:
            reader.join(timeout=10)
        while not self._lines.empty():
            line = self._lines.get_nowait()
            if line is not None:
                self.progress.append(line)
        return Finished(self.process.returncode, "".join(self._stdout), "".join(self._stderr), self.progress)

    def __enter__(self) -> "SweepProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        for reader in self._readers:
            reader.join(timeout=10)
        self._folder.cleanup()


@contextmanager
def sweepers_released_together(engine: Engine, sweepers: int) -> Iterator[None]:
    """On PostgreSQL, hold the node table until `sweepers` processes wait on it, so their first batches race.

    Started at once, two processes still begin their sweeps some hundred milliseconds apart, one batch or more;
    the sweep's first statement reads the node table, and ACCESS EXCLUSIVE holds every reader at that point.
    SQLite has no such lock for readers under WAL: there the sweepers start as they come.
    """
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as watcher, engine.begin() as holder:
        holder.execute(text("LOCK TABLE node IN ACCESS EXCLUSIVE MODE"))
        yield
        waiting = text("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'node'::regclass")
        deadline = time.monotonic() + 60
        while watcher.execute(waiting).scalar_one() < sweepers:
            watcher.rollback()
            assert time.monotonic() < deadline, "the sweepers never reached the node table"
            time.sleep(0.05)
