"""The sweep killed with SIGKILL at random points, and two sweepers at once, each a real `sanshe sweep` process.

The data is the benchmark's (`benchmarks.sweep`: the first node of every other project newly late, the rest a
backlog or ahead); the reference is its hand-written SQL on the same data. Whatever the faults, the rows left at the end
are the reference's: the same claims, the same outbox rows (keys, recipients, digests, words), the same next rungs.
The unmarked variants are small enough for `make test`; the `reliability` ones run on province-sized data.
"""

import random
import signal
import time
from contextlib import ExitStack
from dataclasses import dataclass

import pytest

from benchmarks.sweep import reset
from tests.conftest import BACKENDS
from tests.reliability.sweep_processes import (
    NOTICES_PER_CLAIM,
    SweepDatabase,
    SweepProcess,
    SweepRows,
    committed,
    reference_rows,
    sweep_database,
    sweep_rows,
    sweepers_released_together,
)


def _backends() -> list[object]:
    return [pytest.param(b, marks=[pytest.mark.postgres] if b == "postgres" else []) for b in BACKENDS]


@dataclass(frozen=True)
class Scale:
    """How large a variant is: the data, the batches a sweep is cut into, the longest a sweep may take."""

    projects: int
    batch_size: int
    timeout: float  # seconds any one sweep process may take


SMALL = Scale(projects=5_000, batch_size=100, timeout=60)  # 2,500 due nodes in 25 batches
PROVINCE = Scale(projects=100_000, batch_size=1_000, timeout=600)  # 50,000 due nodes, 100,000 notices, 50 batches


@dataclass(frozen=True)
class Kill:
    """Where one run was killed: after which of its batches, and how long after that batch's line."""

    batch: int
    batches: int
    delay: float
    notices_reported: int

    def __str__(self) -> str:
        return f"batch {self.batch}/{self.batches} + {self.delay * 1000:.0f} ms"


def kill_at_random_point(database: SweepDatabase, scale: Scale, rng: random.Random) -> Kill:
    """Start a sweep, wait for a random batch's line in its first third, then SIGKILL it within the next batch."""
    with SweepProcess(database.url, batch_size=scale.batch_size, timeout=scale.timeout) as run:
        first = run.wait_for_batch(1)
        assert first.batches >= 6, f"too few batches ({first.batches}) to be killed in the middle"
        batch = rng.randint(2, first.batches // 3)
        seen = run.wait_for_batch(batch)
        delay = rng.uniform(0, seen.at - run.progress[-2].at)  # up to one batch's time: in a statement or a commit
        time.sleep(delay)
        status = run.kill()
    assert status == -signal.SIGKILL, f"the sweep ended by itself (exit {status}) before it was killed"
    return Kill(batch, first.batches, delay, seen.notices)


def check_kills_then_rerun(
    database: SweepDatabase, expected: SweepRows, scale: Scale, rng: random.Random, *, kills: int
) -> None:
    """`kills` runs in a row each killed at a random point, then one run to the end: the reference's rows."""
    done: list[Kill] = []
    for _ in range(kills):
        before = committed(database.engine)
        kill = kill_at_random_point(database, scale, rng)
        done.append(kill)
        left = committed(database.engine)
        # The batch commits on its own (schedules/sweep.py, `session_steps.claim`: `session.commit()` after each
        # batch): every batch the line reported is kept, and nothing of the batch the kill cut short.
        reported = before.notices + kill.notices_reported
        assert left.notices >= reported, f"reported batches lost after the kill at {kill}: {left}"
        assert left.whole_batches(), f"a batch half written after the kill at {kill}: {left}"
    before = committed(database.engine)
    with SweepProcess(database.url, batch_size=scale.batch_size, timeout=scale.timeout) as run:
        finished = run.finish()
    assert finished.returncode == 0, finished.stderr
    summary = finished.summary()
    assert summary.rungs == len(expected.claims) - before.claims, f"kills at {[str(k) for k in done]}"
    assert summary.notices == len(expected.notices) - before.notices == NOTICES_PER_CLAIM * summary.rungs
    differences = sweep_rows(database.engine).differences(expected)
    assert differences == [], f"kills at {[str(k) for k in done]}: {differences}"


@pytest.mark.parametrize("backend", _backends())
def test_sweep_killed_at_random_points_then_rerun_leaves_the_reference_rows(backend: str) -> None:
    """A run killed with SIGKILL at a random point, its rerun killed too, a third run to the end: the reference's rows.

    Guards the commit after each batch in `schedules.sweep.session_steps` (`claim`: `session.commit()`): with the
    sweep committed only at the end, the kill loses the batches the progress line reported, and this test fails.
    """
    with sweep_database(backend, SMALL.projects) as database:
        expected = reference_rows(database.engine)
        check_kills_then_rerun(database, expected, SMALL, random.Random(f"kill-{backend}"), kills=2)


@pytest.mark.reliability
@pytest.mark.parametrize("backend", _backends())
def test_province_sweep_killed_at_random_points_reruns_to_the_reference(backend: str) -> None:
    """100,000 projects (50,000 rungs, 100,000 notices): three times, two runs killed in a row, then a rerun.

    Guards the commit after each batch in `schedules.sweep.session_steps` (`claim`: `session.commit()`), and that a
    batch's claims, notices and moves commit together (`sweep_batch`): any kill must leave whole batches only.
    """
    rng = random.Random(f"province-kill-{backend}")
    with sweep_database(backend, PROVINCE.projects) as database:
        expected = reference_rows(database.engine)
        for _ in range(3):
            check_kills_then_rerun(database, expected, PROVINCE, rng, kills=2)
            reset(database.engine)  # back to the data before any sweep, for the next round


def check_two_sweepers(database: SweepDatabase, expected: SweepRows, scale: Scale) -> None:
    """Two sweep processes at once: both end well, each rung and each notice comes from exactly one of them."""
    with ExitStack() as stack:
        with sweepers_released_together(database.engine, 2):
            sweepers = [
                stack.enter_context(SweepProcess(database.url, batch_size=scale.batch_size, timeout=scale.timeout))
                for _ in range(2)
            ]
        finished = [sweeper.finish() for sweeper in sweepers]
    for run in finished:
        assert run.returncode == 0, run.stderr
    summaries = [run.summary() for run in finished]
    assert sum(s.rungs for s in summaries) == len(expected.claims), summaries
    assert sum(s.notices for s in summaries) == len(expected.notices), summaries
    differences = sweep_rows(database.engine).differences(expected)
    assert differences == [], f"{summaries}: {differences}"


@pytest.mark.parametrize("backend", _backends())
def test_two_sweepers_at_once_claim_each_rung_once(backend: str) -> None:
    """Two `sanshe sweep` processes on the same due nodes: both exit 0, and the rows are the reference's.

    PostgreSQL: guards the unique key on claims (`models/escalation.py`, `uq_escalation_claim`, the migration's
    `UniqueConstraint` on escalationclaim); released together, both sweepers insert the first batch's claims, and
    without the key both keep them. SQLite: guards the write lock taken when a transaction begins
    (`models/database.py`, `_on_begin`); with a deferred `BEGIN` the second sweeper fails "database is locked".
    """
    with sweep_database(backend, SMALL.projects) as database:
        expected = reference_rows(database.engine)
        check_two_sweepers(database, expected, Scale(SMALL.projects, batch_size=250, timeout=SMALL.timeout))


@pytest.mark.reliability
@pytest.mark.parametrize("backend", _backends())
def test_two_province_sweepers_at_once_claim_each_rung_once(backend: str) -> None:
    """Two sweepers at once on 100,000 projects, three times over: both exit 0, the rows are the reference's.

    Guards what the small variant guards: the unique key on claims (PostgreSQL), the write lock taken when a
    transaction begins (SQLite, `models/database.py` `_on_begin`).
    """
    with sweep_database(backend, PROVINCE.projects) as database:
        expected = reference_rows(database.engine)
        for _ in range(3):
            check_two_sweepers(database, expected, Scale(PROVINCE.projects, batch_size=2_000, timeout=600))
            reset(database.engine)
