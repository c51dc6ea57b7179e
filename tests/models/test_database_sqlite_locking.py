"""SQLite transactions of `make_engine`: a reader that goes on to write waits for another process's writer; a
transaction opened to read only (a GET request's) reads beside it and may not write.

SQLite-only behaviour, so these tests build their own file database and ignore the backend of the pass.
"""

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from models.database import WriteWhileReading, make_engine, read_only, session_scope
from tests.conftest import BACKENDS

HOLD_SECONDS = 1.5
# Takes the write lock as another process would (a second service, `sanshe sweep`), holds it, then commits.
LOCK_HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
connection.execute(sys.argv[3])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
"""


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Engine]:
    if "sqlite" not in BACKENDS:
        pytest.skip("SQLite pass not selected")
    engine = make_engine(f"sqlite:///{tmp_path / 'locking.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE marks (id INTEGER PRIMARY KEY, who TEXT NOT NULL)"))
    yield engine
    engine.dispose()


def hold_the_write_lock(path: str, seconds: float, statement: str) -> subprocess.Popen[str]:
    """A second process that has taken the write lock (it has written `statement`) and commits after `seconds`."""
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, path, str(seconds), statement],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_a_transaction_that_reads_then_writes_waits_for_another_writer(sqlite_file: Engine) -> None:
    """Guards `BEGIN IMMEDIATE` in `_on_begin` (models/database.py).

    With a deferred BEGIN the read opens a read transaction, SQLite skips the busy handler on its upgrade to a
    write, and the INSERT fails at once with "database is locked" while the other process holds the lock."""
    holder = hold_the_write_lock(
        str(sqlite_file.url.database), HOLD_SECONDS, "INSERT INTO marks (who) VALUES ('holder')"
    )
    try:
        started = time.monotonic()
        with session_scope(sqlite_file) as session:
            seen = session.execute(text("SELECT count(*) FROM marks")).scalar_one()
            session.execute(text("INSERT INTO marks (who) VALUES ('reader')"))
        waited = time.monotonic() - started
    finally:
        assert holder.wait(timeout=30) == 0
    assert seen == 1  # it began only once the holder had committed: it read the holder's row
    assert waited >= HOLD_SECONDS * 0.5
    with sqlite_file.connect() as connection:
        rows = connection.execute(text("SELECT who FROM marks ORDER BY id")).scalars().all()
    assert rows == ["holder", "reader"]


def test_the_test_harness_savepoints_still_roll_back(sqlite_file: Engine) -> None:
    """The tests' harness (tests/conftest.py): commits become savepoints of one outer transaction, then undone."""
    with sqlite_file.connect() as connection:
        outer = connection.begin()
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            session.execute(text("INSERT INTO marks (who) VALUES ('kept until the end')"))
            session.commit()
            session.execute(text("INSERT INTO marks (who) VALUES ('rolled back')"))
            session.rollback()
            assert session.execute(text("SELECT who FROM marks")).scalars().all() == ["kept until the end"]
        outer.rollback()
    with sqlite_file.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM marks")).scalar_one() == 0


def test_a_read_only_transaction_reads_beside_another_writer(sqlite_file: Engine) -> None:
    """Guards `"BEGIN" if reads_only` in `_on_begin`: begun IMMEDIATE, a GET's transaction would queue for the lock."""
    holder = hold_the_write_lock(
        str(sqlite_file.url.database), HOLD_SECONDS, "INSERT INTO marks (who) VALUES ('holder')"
    )
    try:
        with Session(sqlite_file) as session:
            seen = read_only(session).execute(text("SELECT count(*) FROM marks")).scalar_one()
        still_holding = holder.poll() is None
    finally:
        assert holder.wait(timeout=30) == 0
    assert seen == 0  # read before the holder committed: it did not wait for the lock
    assert still_holding


def test_a_read_only_transaction_refuses_to_write(sqlite_file: Engine) -> None:
    """Guards `_refuse_writes_while_reading`: a deferred transaction that writes could fail under a writer at once."""
    with Session(sqlite_file) as session:
        read_only(session)
        with pytest.raises(WriteWhileReading, match="只读事务"):
            session.execute(text("INSERT INTO marks (who) VALUES ('reader')"))
    with sqlite_file.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM marks")).scalar_one() == 0
