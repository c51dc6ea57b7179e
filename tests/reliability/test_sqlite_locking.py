"""SQLite, the embedded default, under concurrent writers: every process waits for the write lock, none fails.

The benchmark's data (benchmarks/sweep.py) is built once a scale in a SQLite file, with the reference result worked
out by the benchmark's hand-written SQL on a copy. Each test runs `sanshe sweep --direct` in processes of its own
against a copy of its own while something else writes: the API served by uvicorn, a process holding the lock, a
second sweeper.
"""

import os
import re
import secrets
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select, text
from sqlmodel import Session

from benchmarks import sweep as bench
from models.database import make_engine
from models.programme import Programme
from models.roles import Role
from schedules.sweep import DEFAULT_BATCH_SIZE
from service.auth import create_access_token, create_user
from service.mail.catcher import free_port
from service.settings import Settings
from tests.conftest import BACKENDS
from tests.models.test_database_sqlite_locking import hold_the_write_lock
from tests.processes import stop

PASSWORD = "correct-horse-battery"
SWEEP_TIMEOUT = 300
RESULT_LINE = re.compile(r"到期节点 (\d+) 个，分 (\d+) 批，新升级 (\d+) 级次，通知 (\d+) 条")


@dataclass(frozen=True)
class Scale:
    projects: int
    batch_size: int


SMALL = Scale(projects=10_000, batch_size=100)  # 5,000 due nodes in 50 batches: about a second of sweeping
LARGE = Scale(projects=100_000, batch_size=DEFAULT_BATCH_SIZE)  # the benchmark: 50,000 due nodes
SCALES = [pytest.param(SMALL, id="small"), pytest.param(LARGE, id="large", marks=pytest.mark.reliability)]


@dataclass
class Benchmark:
    scale: Scale
    engine: Engine
    path: str
    reference: "SweepRows"
    folder: Path

    def environment(self, **more: str) -> dict[str, str]:
        """The process environment of a `sanshe` command on this file, with none of the caller's settings."""
        environment = {name: value for name, value in os.environ.items() if not name.startswith("SANSHE_")}
        return environment | {"SANSHE_DATABASE_URL": f"sqlite:///{self.path}"} | more


@dataclass(frozen=True)
class SweepRows:
    """What a sweep on the benchmark day leaves, without the times it was run at: claims, notices, next rungs."""

    claims: list[tuple[str, ...]]
    notices: list[tuple[str, ...]]
    next_rungs: list[tuple[str, ...]]


def sweep_rows(engine: Engine) -> SweepRows:
    day = {"as_of": bench.AS_OF.isoformat()}
    with engine.connect() as connection:
        claims = connection.execute(
            text(
                "SELECT entity_type, entity_id, rung_code, rung_index, due_date, fires_on, skipped "
                "FROM escalationclaim WHERE as_of = :as_of"
            ),
            day,
        )
        notices = connection.execute(
            text(
                "SELECT entity_id, recipient_party, recipient_name, recipient_address, params, message_id, dedupe_key, "
                "digest_key, status, attempts FROM outboxmessage WHERE template = 'node_overdue'"
            )
        )
        next_rungs = connection.execute(text("SELECT id, next_rung_index, next_rung_on FROM node WHERE sequence = 1"))
        return SweepRows(*(sorted(tuple(map(str, row)) for row in rows) for rows in (claims, notices, next_rungs)))


@dataclass(frozen=True)
class Built:
    """A scale's benchmark data in a SQLite file of its own, and the reference result worked out on a copy."""

    path: Path
    reference: SweepRows


def _copy(source: str | Path, target: Path) -> Engine:
    """`target`, a new SQLite file holding what `source` holds (SQLite's backup, page by page)."""
    original, copy = make_engine(f"sqlite:///{source}"), make_engine(f"sqlite:///{target}")
    with original.connect() as origin, copy.connect() as destination:
        origin.connection.driver_connection.backup(destination.connection.driver_connection)  # type: ignore[union-attr]
    original.dispose()
    return copy


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[Scale, Built]:
    """Each scale's data, built once for the module: every test sweeps a copy of its own."""
    return {}


def _build(scale: Scale, folder: Path) -> Built:
    with bench.database("sqlite") as engine:
        bench.populate(engine, scale.projects)
        _copy(str(engine.url.database), folder / "benchmark.db").dispose()
    reference = _copy(folder / "benchmark.db", folder / "reference.db")
    bench.reference(reference)
    rows = sweep_rows(reference)
    reference.dispose()
    assert rows.claims and rows.notices
    return Built(folder / "benchmark.db", rows)


@pytest.fixture
def benchmark(
    request: pytest.FixtureRequest, built: dict[Scale, Built], tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> Iterator[Benchmark]:
    """The benchmark's data for `request.param` projects in a file of this test's, and its reference result."""
    if "sqlite" not in BACKENDS:
        pytest.skip("SQLite pass not selected")
    scale: Scale = request.param
    if scale not in built:
        built[scale] = _build(scale, tmp_path_factory.mktemp(f"benchmark-{scale.projects}"))
    engine = _copy(built[scale].path, tmp_path / "benchmark.db")
    try:
        yield Benchmark(scale, engine, str(engine.url.database), built[scale].reference, tmp_path)
    finally:
        engine.dispose()


def start_sweep(benchmark: Benchmark) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "service.cli", "sweep", "--direct", "--as-of", bench.AS_OF.isoformat()]
        + ["--batch-size", str(benchmark.scale.batch_size)],
        cwd=benchmark.folder,  # no .env of the project's
        env=benchmark.environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@dataclass
class Watched:
    """A sweep process, its output and when its first batch was done."""

    process: subprocess.Popen[str]
    first_batch_at: float | None = None
    stderr: str = ""
    stdout: str = ""
    ended_at: float | None = None

    def reported(self) -> tuple[int, int]:
        """Rungs newly claimed and notices queued, as the command reported them."""
        found = RESULT_LINE.search(self.stdout)
        assert found is not None, self.stdout + self.stderr
        return int(found[3]), int(found[4])


def watch(process: subprocess.Popen[str]) -> tuple[Watched, threading.Thread]:
    """Read the sweep's progress lines as they come; `first_batch_at` is set when batch 1 is done."""
    watched = Watched(process)

    def read() -> None:
        assert process.stderr is not None and process.stdout is not None
        for line in process.stderr:
            if watched.first_batch_at is None and "第 1/" in line:
                watched.first_batch_at = time.monotonic()
            watched.stderr += line
        watched.stdout = process.stdout.read()
        process.wait()
        watched.ended_at = time.monotonic()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return watched, reader


def finish(watched: Watched, reader: threading.Thread) -> Watched:
    reader.join(timeout=SWEEP_TIMEOUT)
    if reader.is_alive():
        watched.process.kill()
        reader.join(timeout=10)
        pytest.fail("the sweep did not finish in time:\n" + watched.stderr)
    return watched


@dataclass
class Server:
    url: str
    headers: dict[str, str]


@pytest.fixture
def api_server(benchmark: Benchmark) -> Iterator[Server]:
    """`sanshe serve` (uvicorn) on the benchmark's file, and a coordinator's token for it."""
    settings = Settings(secret_key=secrets.token_urlsafe(48))
    with Session(benchmark.engine) as session:
        region_id = session.execute(select(Programme.region_id).where(Programme.code == "lanzhou-2022")).scalar_one()
        coordinator = create_user(
            session,
            username="city-coordinator",
            password=PASSWORD,
            role=Role.CITY_COORDINATOR,
            now=datetime.now(UTC),
            region_id=region_id,
        )
        session.commit()
        token = create_access_token(coordinator, settings=settings, now=datetime.now(UTC))
    port = free_port()
    log_file = benchmark.folder / "server.log"
    with log_file.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
            cwd=benchmark.folder,
            env=benchmark.environment(
                SANSHE_SECRET_KEY=settings.secret_key,
                SANSHE_SCHEDULER_ENABLED="false",
                SANSHE_FILES_DIR=str(benchmark.folder / "files"),
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, log_file.read_text()
                try:
                    if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the API did not start:\n" + log_file.read_text()
                time.sleep(0.1)
            yield Server(url, {"Authorization": f"Bearer {token}"})
        finally:
            stop(process)


@dataclass(frozen=True)
class Answer:
    what: str
    node_id: int
    status: int
    started: float
    ended: float


def ahead_node(project: int) -> int:
    """The benchmark's node of sequence 8 of a project: due in two months, untouched by today's sweep."""
    return (project - 1) * bench.NODES_PER_PROJECT + 8


@pytest.mark.parametrize("benchmark", SCALES, indirect=True)
def test_api_writes_during_a_sweep_all_succeed(benchmark: Benchmark, api_server: Server) -> None:
    """Guards `BEGIN IMMEDIATE` in `_on_begin` (models/database.py).

    A coordinator extends nodes over HTTP (read the node, then write it, its audit row and its next rung) while
    `sanshe sweep` claims rungs in another process. With a deferred BEGIN the extension's read-then-write fails at
    once with "database is locked": a 500, and the sweep itself crashes on the same upgrade."""
    new_due = (bench.AHEAD_DUE + timedelta(days=30)).isoformat()
    answers: list[Answer] = []
    stop = threading.Event()
    projects = iter(range(1, benchmark.scale.projects + 1))
    lock = threading.Lock()

    def fire() -> None:
        with httpx.Client(base_url=api_server.url, headers=api_server.headers, timeout=60) as client:
            while not stop.is_set():
                with lock:
                    node_id = ahead_node(next(projects))
                started = time.monotonic()
                read = client.get(f"/api/v1/nodes/{node_id}")
                answers.append(Answer("read", node_id, read.status_code, started, time.monotonic()))
                if read.status_code != 200:
                    continue
                body = {
                    "new_due_date": new_due,
                    "reason": "社区活动场地调整",
                    "expected_version": read.json()["version"],
                }
                for what in ("extend", "stale"):  # the same version twice: the second is refused with 409
                    started = time.monotonic()
                    written = client.post(f"/api/v1/nodes/{node_id}/extension", json=body)
                    answers.append(Answer(what, node_id, written.status_code, started, time.monotonic()))

    firers = [threading.Thread(target=fire) for _ in range(2)]
    for firer in firers:
        firer.start()
    try:
        watched, reader = watch(start_sweep(benchmark))
        finish(watched, reader)
        time.sleep(0.3)  # a few more after the sweep: the service is still well
    finally:
        stop.set()
        for firer in firers:
            firer.join(timeout=120)
    assert watched.process.returncode == 0, watched.stderr
    assert watched.first_batch_at is not None and watched.ended_at is not None

    statuses = {(a.what, a.status) for a in answers}
    assert statuses <= {("read", 200), ("extend", 200), ("stale", 409)}, sorted(
        (a.what, a.status, a.node_id) for a in answers if (a.what, a.status) not in {("read", 200), ("extend", 200)}
    )
    during = [
        a for a in answers if a.what == "extend" and a.ended > watched.first_batch_at and a.started < watched.ended_at
    ]
    assert len(during) >= 3, f"only {len(during)} writes while the sweep ran"
    assert sweep_rows(benchmark.engine) == benchmark.reference
    assert watched.reported() == (len(benchmark.reference.claims), len(benchmark.reference.notices))
    extended = [a.node_id for a in answers if a.what == "extend"]
    with benchmark.engine.connect() as connection:
        moved = connection.execute(
            text(f"SELECT count(*) FROM node WHERE due_date = :due AND id IN ({','.join(map(str, extended))})"),
            {"due": new_due},
        ).scalar_one()
    assert moved == len(extended)


@pytest.mark.parametrize("benchmark", SCALES, indirect=True)
def test_a_sweep_waits_for_a_writer_that_holds_the_lock(benchmark: Benchmark) -> None:
    """Guards `BEGIN IMMEDIATE` in `_on_begin` (models/database.py) and the 30 s busy timeout in `make_engine`.

    Another process holds the write lock for a few seconds as the sweep starts. With a deferred BEGIN the sweep's
    batch reads its nodes, fails on the upgrade to a write once the holder has committed, and the sweep exits
    non-zero. (Taken after the first batch instead, the lock raced the sweep: its back-to-back batches could finish
    before the other process got the lock.)"""
    hold = 2.0
    holder = hold_the_write_lock(benchmark.path, hold, "UPDATE organisation SET name = name || '·' WHERE id = 1")
    locked_at = time.monotonic()
    watched, reader = watch(start_sweep(benchmark))
    try:
        finish(watched, reader)
    finally:
        assert holder.wait(timeout=60) == 0
    assert watched.process.returncode == 0, watched.stderr
    assert watched.ended_at is not None and watched.ended_at >= locked_at + hold * 0.8, "the sweep never met the lock"
    assert sweep_rows(benchmark.engine) == benchmark.reference
    with sqlite3.connect(benchmark.path) as connection:
        (name,) = connection.execute("SELECT name FROM organisation WHERE id = 1").fetchone()
    assert name.endswith("·")  # the other writer's work is kept too


@pytest.mark.parametrize("benchmark", SCALES, indirect=True)
def test_two_sweepers_at_once_claim_each_rung_once(benchmark: Benchmark) -> None:
    """Guards `BEGIN IMMEDIATE` in `_on_begin` (models/database.py); the unique claims keep the result exact.

    With a deferred BEGIN one of the two crashes with "database is locked" on its first write after a read."""
    sweepers = [watch(start_sweep(benchmark)) for _ in range(2)]
    done = [finish(watched, reader) for watched, reader in sweepers]
    assert [w.process.returncode for w in done] == [0, 0], [w.stderr for w in done]
    rows = sweep_rows(benchmark.engine)
    assert rows == benchmark.reference
    assert len({notice[6] for notice in rows.notices}) == len(rows.notices)  # each dedupe key once
    claimed, notices = (sum(counts) for counts in zip(*(w.reported() for w in done), strict=True))
    assert (claimed, notices) == (len(rows.claims), len(rows.notices))  # between them, each rung told once
